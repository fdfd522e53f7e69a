/**
 * @file auth/admin.c  `callbridge admin ...`: tenants, users, keys
 *
 * The command line works on the store directly (store.path of the
 * config), with or without the daemon running: SQLite's WAL and busy
 * timeout let both write.  Commands are one table, like the API routes.
 * Secrets are printed once: a new key, a generated password.  A user's
 * password is read from stdin when stdin is not a terminal (one line),
 * else generated.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <re.h>
#include "auth.h"
#include "cb_money.h"

struct cmd {
	const char *obj, *verb;
	int argc;                       /* required args after the verb */
	int (*h)(struct store *st, char *argv[], int argc);
	const char *usage;
};


static bool tenant_print(const struct store_tenant *t, void *arg)
{
	(void)arg;
	(void)re_printf("%s\t%s\n", t->id, t->name);
	return false;
}


static bool key_print(const struct store_apikey *k, void *arg)
{
	(void)arg;
	(void)re_printf("%s\t%s\t%s\n", k->id, k->revoked_ms ? "revoked"
			: "active", k->name);
	return false;
}


static int tenant_create(struct store *st, char *argv[], int argc)
{
	struct store_tenant t;
	int err;
	(void)argc;

	err = auth_tenant_create(st, &t, argv[0], NULL);
	if (err == EEXIST)
		re_fprintf(stderr, "tenant '%s' exists\n", argv[0]);
	else if (err == EINVAL)
		re_fprintf(stderr, "tenant names: 1-63 of A-Z a-z 0-9 "
			   "- _ . @\n");
	else if (!err)
		(void)re_printf("%s\t%s\n", t.id, t.name);
	return err;
}


static int tenant_list(struct store *st, char *argv[], int argc)
{
	(void)argv;
	(void)argc;
	return store_tenant_list(st, tenant_print, NULL);
}


static void password_read(char *pw, size_t sz, bool *generated)
{
	*generated = false;
	pw[0] = '\0';
	if (!isatty(STDIN_FILENO) && fgets(pw, (int)sz, stdin))
		pw[strcspn(pw, "\r\n")] = '\0';
	if (!pw[0]) {
		auth_password_generate(pw, 32);
		*generated = true;
	}
}


static int user_create(struct store *st, char *argv[], int argc)
{
	char pw[AUTH_PASSWORD_MAX + 2];
	struct store_user u;
	enum cb_role role;
	bool gen;
	int err;
	(void)argc;

	if (auth_role_parse(&role, argv[2])) {
		re_fprintf(stderr, "role: admin, operator, agent or "
			   "customer\n");
		return EINVAL;
	}
	password_read(pw, sizeof(pw), &gen);
	err = auth_user_create(st, &u, argv[0], argv[1], role, pw);
	if (err == ENOENT)
		re_fprintf(stderr, "no tenant '%s'\n", argv[0]);
	else if (err == EEXIST)
		re_fprintf(stderr, "login '%s' exists\n", argv[1]);
	else if (err == EPERM)
		re_fprintf(stderr, "admins are users of the tenant "
			   "'default'\n");
	else if (err == EINVAL)
		re_fprintf(stderr, "logins: 1-63 of A-Z a-z 0-9 - _ . @; "
			   "passwords: %d-127 characters\n",
			   AUTH_PASSWORD_MIN);
	else if (!err) {
		(void)re_printf("%s\t%s\t%s\n", u.id, u.login, u.role);
		if (gen)
			(void)re_printf("password: %s\n", pw);
	}
	sodium_memzero(pw, sizeof(pw));
	return err;
}


static bool user_print(const struct store_user *u, void *arg)
{
	(void)arg;
	(void)re_printf("%s\t%s\t%s\n", u->id, u->login, u->role);
	return false;
}


static int user_list(struct store *st, char *argv[], int argc)
{
	struct store_tenant t;
	int err;
	(void)argc;

	err = store_tenant_get(st, &t, argv[0]);
	if (err == ENOENT)
		re_fprintf(stderr, "no tenant '%s'\n", argv[0]);
	if (err)
		return err;
	return store_user_list(st, t.id, user_print, NULL);
}


/* by login; the user's sessions end with it */
static int user_delete(struct store *st, char *argv[], int argc)
{
	struct store_user u;
	int err;
	(void)argc;

	err = store_user_find_login(st, &u, argv[0]);
	if (!err)
		err = store_user_delete(st, u.id);
	if (err == ENOENT)
		re_fprintf(stderr, "no user '%s'\n", argv[0]);
	else if (!err)
		(void)re_printf("deleted %s\t%s\n", u.id, u.login);
	return err;
}


static int key_create(struct store *st, char *argv[], int argc)
{
	char key[AUTH_KEY_MAX];
	struct store_apikey k;
	int err;

	err = auth_key_create(st, key, &k, argv[0], argc > 1 ? argv[1] : "");
	if (err == ENOENT)
		re_fprintf(stderr, "no tenant '%s'\n", argv[0]);
	else if (!err)
		(void)re_printf("%s\n", key);
	sodium_memzero(key, sizeof(key));
	return err;
}


static int key_list(struct store *st, char *argv[], int argc)
{
	struct store_tenant t;
	int err;
	(void)argc;

	err = store_tenant_get(st, &t, argv[0]);
	if (err == ENOENT)
		re_fprintf(stderr, "no tenant '%s'\n", argv[0]);
	if (err)
		return err;
	return store_apikey_list(st, t.id, key_print, NULL);
}


static int key_revoke(struct store *st, char *argv[], int argc)
{
	int err;
	(void)argc;

	err = store_apikey_revoke(st, argv[0], auth_now_ms());
	if (err == ENOENT)
		re_fprintf(stderr, "no active key '%s'\n", argv[0]);
	else if (!err)
		(void)re_printf("revoked %s\n", argv[0]);
	return err;
}


static const struct cmd cmds[] = {
	{"tenant", "create", 1, tenant_create, "tenant create NAME"},
	{"tenant", "list",   0, tenant_list,   "tenant list"},
	{"user",   "create", 3, user_create,
	 "user create TENANT LOGIN ROLE   (password: stdin line, or "
	 "generated)"},
	{"user",   "list",   1, user_list,     "user list TENANT"},
	{"user",   "delete", 1, user_delete,   "user delete LOGIN"},
	{"key",    "create", 1, key_create,    "key create TENANT [NAME]"},
	{"key",    "list",   1, key_list,      "key list TENANT"},
	{"key",    "revoke", 1, key_revoke,    "key revoke KEY_ID"},
};


static void usage(void)
{
	re_fprintf(stderr, "usage: callbridge [--config FILE] admin "
		   "COMMAND\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		re_fprintf(stderr, "  %s\n", cmds[i].usage);
	re_fprintf(stderr, "  money ...   rates, accounts, ledger (`admin "
		   "money` lists them)\n");
	re_fprintf(stderr, "TENANT is a tenant id or name; roles: admin, "
		   "operator, agent, customer\n");
}


/** argv[0] is "admin"; returns the process exit status */
int auth_admin_main(const struct cb_config *cfg, int argc, char *argv[])
{
	const struct cmd *c = NULL;
	struct store *st = NULL;
	int err;

	/* money has its own table of commands (src/money/cli.c) */
	if (argc >= 2 && !strcmp(argv[1], "money"))
		return money_cli_main(cfg, argc - 1, argv + 1);
	if (argc < 3) {
		usage();
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmds[i].obj, argv[1]) &&
		    !strcmp(cmds[i].verb, argv[2]))
			c = &cmds[i];
	}
	if (!c || argc - 3 < c->argc || argc - 3 > c->argc + 1) {
		usage();
		return 2;
	}

	err = store_open(&st, cfg->store_path);
	if (err) {
		re_fprintf(stderr, "store %s: %m\n", cfg->store_path, err);
		return 1;
	}
	err = auth_bootstrap(st, false);
	if (!err)
		err = c->h(st, argv + 3, argc - 3);
	mem_deref(st);
	return err ? 1 : 0;
}
