/**
 * @file store/store.c  The store front: back-end choice, lock, dispatch
 *
 * Every public operation of cb_store.h takes the store's lock, calls the
 * back-end's function and releases the lock, so the worker threads and
 * the synchronous callers (CLI, start-up) never use the connection at the
 * same time.  The path picks the back-end: a plain file name (or
 * `sqlite:FILE`) is SQLite; `postgres://` is reserved for the PostgreSQL
 * back-end and refused with ENOTSUP until it exists.
 * The daemon's own store (store.path) is opened by store_init() and
 * reached through store_default(); store_init() also starts its prune
 * job (prune.c).
 */
#include <string.h>
#include <re.h>
#include "store.h"

static struct store *dflt;   /* owned: the daemon's store */


static void store_destructor(void *arg)
{
	struct store *st = arg;

	store_async_stop(st);
	if (st->db)
		st->ops->close(st->db);
	pthread_mutex_destroy(&st->lock);
}


int store_open(struct store **stp, const char *path)
{
	struct store *st;
	int err;

	if (!stp || !path || !*path)
		return EINVAL;
	if (!strncmp(path, "postgres://", 11) ||
	    !strncmp(path, "postgresql://", 13))
		return ENOTSUP;
	if (!strncmp(path, "sqlite:", 7))
		path += 7;

	st = mem_zalloc(sizeof(*st), store_destructor);
	if (!st)
		return ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	st->ops = &store_sqlite_ops;

	err = st->ops->open(&st->db, path);
	if (err)
		goto out;

	*stp = st;
 out:
	if (err)
		mem_deref(st);
	return err;
}


const char *store_backend(const struct store *st)
{
	return st ? st->ops->name : "none";
}


/* one locked call into the back-end */
#define CALL(st, op, ...)						\
	do {								\
		int e_;						\
		if (!(st))						\
			return EINVAL;					\
		pthread_mutex_lock(&(st)->lock);			\
		e_ = (st)->ops->op((st)->db, __VA_ARGS__);		\
		pthread_mutex_unlock(&(st)->lock);			\
		return e_;						\
	} while (0)


int store_ping(struct store *st)
{
	int err;

	if (!st)
		return EINVAL;
	pthread_mutex_lock(&st->lock);
	err = st->ops->ping(st->db);
	pthread_mutex_unlock(&st->lock);
	return err;
}


int store_version(struct store *st, unsigned *vp)
{
	CALL(st, version, vp);
}


int store_callback_put(struct store *st, const struct store_callback *c)
{
	if (!c || !c->id[0] || !c->tenant_id[0])
		return EINVAL;
	CALL(st, callback_put, c);
}


int store_callback_list(struct store *st, store_callback_h *h, void *arg)
{
	if (!h)
		return EINVAL;
	CALL(st, callback_list, h, arg);
}


int store_client_number_put(struct store *st, const char *tenant_id,
			    const char *client, const char *number,
			    uint64_t now_ms)
{
	if (!tenant_id || !client || !number)
		return EINVAL;
	CALL(st, client_number_put, tenant_id, client, number, now_ms);
}


int store_client_number_get(struct store *st, const char *tenant_id,
			    const char *client, char *number, size_t sz)
{
	if (!tenant_id || !client || !number || !sz)
		return EINVAL;
	CALL(st, client_number_get, tenant_id, client, number, sz);
}


int store_tenant_create(struct store *st, const struct store_tenant *t)
{
	if (!t || !t->id[0] || !t->name[0])
		return EINVAL;
	CALL(st, tenant_create, t);
}


int store_tenant_get(struct store *st, struct store_tenant *t,
		     const char *id_or_name)
{
	if (!t || !id_or_name)
		return EINVAL;
	CALL(st, tenant_get, t, id_or_name);
}


int store_tenant_list(struct store *st, store_tenant_h *h, void *arg)
{
	if (!h)
		return EINVAL;
	CALL(st, tenant_list, h, arg);
}


int store_tenant_update(struct store *st, const struct store_tenant *t)
{
	if (!t || !t->id[0] || !t->name[0])
		return EINVAL;
	CALL(st, tenant_update, t);
}


int store_user_create(struct store *st, const struct store_user *u)
{
	if (!u || !u->id[0] || !u->login[0] || !u->tenant_id[0])
		return EINVAL;
	CALL(st, user_create, u);
}


int store_user_find_login(struct store *st, struct store_user *u,
			  const char *login)
{
	if (!u || !login)
		return EINVAL;
	CALL(st, user_find_login, u, login);
}


int store_user_get(struct store *st, struct store_user *u, const char *id)
{
	if (!u || !id)
		return EINVAL;
	CALL(st, user_get, u, id);
}


int store_user_count_role(struct store *st, const char *role, unsigned *np)
{
	if (!role || !np)
		return EINVAL;
	CALL(st, user_count_role, role, np);
}


int store_user_list(struct store *st, const char *tenant_id,
		    store_user_h *h, void *arg)
{
	if (!h)
		return EINVAL;
	CALL(st, user_list, tenant_id, h, arg);
}


int store_user_delete(struct store *st, const char *id)
{
	if (!id || !*id)
		return EINVAL;
	CALL(st, user_delete, id);
}


int store_apikey_create(struct store *st, const struct store_apikey *k)
{
	if (!k || !k->id[0] || !k->tenant_id[0])
		return EINVAL;
	CALL(st, apikey_create, k);
}


int store_apikey_find(struct store *st, struct store_apikey *k,
		      const char *id)
{
	if (!k || !id)
		return EINVAL;
	CALL(st, apikey_find, k, id);
}


int store_apikey_list(struct store *st, const char *tenant_id,
		      store_apikey_h *h, void *arg)
{
	if (!h)
		return EINVAL;
	CALL(st, apikey_list, tenant_id, h, arg);
}


int store_apikey_revoke(struct store *st, const char *id, uint64_t now_ms)
{
	if (!id)
		return EINVAL;
	CALL(st, apikey_revoke, id, now_ms ? now_ms : 1);
}


int store_session_create(struct store *st, const struct store_session *s)
{
	if (!s || !s->user_id[0])
		return EINVAL;
	CALL(st, session_create, s);
}


int store_session_find(struct store *st, struct store_session *s,
		       const uint8_t hash[STORE_HASH_LEN], uint64_t now_ms)
{
	if (!s || !hash)
		return EINVAL;
	CALL(st, session_find, s, hash, now_ms);
}


int store_session_delete(struct store *st,
			 const uint8_t hash[STORE_HASH_LEN])
{
	if (!hash)
		return EINVAL;
	CALL(st, session_delete, hash);
}


int store_call_save(struct store *st, const struct store_call *c)
{
	if (!c || !c->id[0] || (c->legc && !c->legv))
		return EINVAL;
	CALL(st, call_save, c);
}


int store_call_get(struct store *st, struct store_call *c, const char *id)
{
	if (!c || !id)
		return EINVAL;
	CALL(st, call_get, c, id);
}


int store_idem_get(struct store *st, struct store_idem *r,
		   const char *tenant_id, const char *key,
		   uint64_t min_created_ms)
{
	if (!r || !tenant_id || !key)
		return EINVAL;
	CALL(st, idem_get, r, tenant_id, key, min_created_ms);
}


int store_idem_put(struct store *st, const struct store_idem *r)
{
	if (!r || !r->key[0] || !r->tenant_id[0])
		return EINVAL;
	CALL(st, idem_put, r);
}


int store_outbox_put(struct store *st, const struct store_outbox *o)
{
	if (!o || !o->key[0] || !o->event_id[0] || !o->url || !o->body)
		return EINVAL;
	CALL(st, outbox_put, o);
}


int store_outbox_list_pending(struct store *st, store_outbox_h *h,
			      void *arg)
{
	if (!h)
		return EINVAL;
	CALL(st, outbox_list_pending, h, arg);
}


int store_outbox_ack(struct store *st, const char *event_id,
		     uint64_t now_ms)
{
	if (!event_id || !*event_id)
		return EINVAL;
	CALL(st, outbox_ack, event_id, now_ms ? now_ms : 1);
}


int store_outbox_prune(struct store *st, uint64_t done_before_ms,
		       uint32_t max, uint32_t *np)
{
	if (!np)
		return EINVAL;
	CALL(st, outbox_prune, done_before_ms, max, np);
}


int store_idem_prune(struct store *st, uint64_t created_before_ms,
		     uint32_t max, uint32_t *np)
{
	if (!np)
		return EINVAL;
	CALL(st, idem_prune, created_before_ms, max, np);
}


int store_session_prune(struct store *st, uint64_t now_ms, uint32_t max,
			uint32_t *np)
{
	if (!np)
		return EINVAL;
	CALL(st, session_prune, now_ms, max, np);
}


int store_callback_prune(struct store *st, uint64_t before_ms, uint32_t max,
			 uint32_t *np)
{
	if (!np)
		return EINVAL;
	CALL(st, callback_prune, before_ms, max, np);
}


int store_init(const struct cb_config *cfg)
{
	int err;

	if (!cfg)
		return EINVAL;

	err = store_open(&dflt, cfg->store_path);
	if (err) {
		log_err(NULL, "store %s: cannot open (%m)", cfg->store_path,
			err);
		return err;
	}
	err = store_async_start(dflt, cfg->store_workers);
	if (!err)
		err = store_prune_start(dflt, cfg);
	if (err) {
		dflt = mem_deref(dflt);
		return err;
	}
	log_info(NULL, "store %s (%s)", cfg->store_path, store_backend(dflt));
	return 0;
}


void store_close(void)
{
	store_prune_stop();
	dflt = mem_deref(dflt);
}


struct store *store_default(void)
{
	return dflt;
}
