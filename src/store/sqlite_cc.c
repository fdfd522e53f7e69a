/**
 * @file store/sqlite_cc.c  SQLite back-end: contact-centre settings
 *
 * A business's settings (one row per tenant), its agents and the
 * tenants' dialing policies; the customers' call requests are in
 * sqlite_cc_request.c.  Puts are upserts.  An agent id names one agent
 * of one tenant for good: a put of an id another tenant holds is refused
 * (EEXIST), and every get and delete matches the tenant as well as the
 * id, so a tenant never reads, changes or removes another's row.
 */
#include <string.h>
#include <re.h>
#include "sqlite.h"
#include "store_cc.h"


#define BUSINESS_COLS "tenant_id, name, announcement, origins, hours, " \
	"hold_prompt, ring_s, fallback_s, wrap_s, max_noanswer, " \
	"position_s, billing_account, updated_ms"

#define AGENT_COLS "id, tenant_id, name, endpoint, user_id, skills, " \
	"created_ms, updated_ms"

#define POLICY_COLS "tenant_id, blocked_prefixes, number_id, " \
	"per_number_hour, updated_ms"


/* ---- business ---------------------------------------------------- */

static void business_read(sqlite3_stmt *s, struct store_cc_business *b)
{
	memset(b, 0, sizeof(*b));
	sqlite_text(s, 0, b->tenant_id, sizeof(b->tenant_id));
	sqlite_text(s, 1, b->name, sizeof(b->name));
	sqlite_text(s, 2, b->announcement, sizeof(b->announcement));
	sqlite_text(s, 3, b->origins, sizeof(b->origins));
	sqlite_text(s, 4, b->hours, sizeof(b->hours));
	sqlite_text(s, 5, b->hold_prompt, sizeof(b->hold_prompt));
	b->ring_s = (uint32_t)sqlite_u64(s, 6);
	b->fallback_s = (uint32_t)sqlite_u64(s, 7);
	b->wrap_s = (uint32_t)sqlite_u64(s, 8);
	b->max_noanswer = (uint32_t)sqlite_u64(s, 9);
	b->position_s = (uint32_t)sqlite_u64(s, 10);
	sqlite_text(s, 11, b->billing_account, sizeof(b->billing_account));
	b->updated_ms = sqlite_u64(s, 12);
}


static int sq_business_put(void *db, const struct store_cc_business *b)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO cc_business ("
			      BUSINESS_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
			      "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
			      "ON CONFLICT(tenant_id) DO UPDATE SET "
			      "name = ?2, announcement = ?3, origins = ?4, "
			      "hours = ?5, hold_prompt = ?6, ring_s = ?7, "
			      "fallback_s = ?8, wrap_s = ?9, "
			      "max_noanswer = ?10, position_s = ?11, "
			      "billing_account = ?12, updated_ms = ?13");
	if (err)
		return err;
	sqlite_bind_text(s, 1, b->tenant_id);
	sqlite_bind_text(s, 2, b->name);
	sqlite_bind_text(s, 3, b->announcement);
	sqlite_bind_text(s, 4, b->origins);
	sqlite_bind_text(s, 5, b->hours);
	sqlite_bind_text(s, 6, b->hold_prompt);
	sqlite_bind_u64(s, 7, b->ring_s);
	sqlite_bind_u64(s, 8, b->fallback_s);
	sqlite_bind_u64(s, 9, b->wrap_s);
	sqlite_bind_u64(s, 10, b->max_noanswer);
	sqlite_bind_u64(s, 11, b->position_s);
	sqlite_bind_text(s, 12, b->billing_account);
	sqlite_bind_u64(s, 13, b->updated_ms);
	return sqlite_run(db, s, "cc business put");
}


static int sq_business_get(void *db, const char *tenant_id,
			   struct store_cc_business *b)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_prep(db, &s, "SELECT " BUSINESS_COLS " FROM cc_business "
			  "WHERE tenant_id = ?");
	if (err)
		return err;
	sqlite_bind_text(s, 1, tenant_id);
	err = sqlite_step_one(db, s, "cc business get");
	if (!err)
		business_read(s, b);
	sqlite3_finalize(s);
	return err;
}


/** Every tenant's business, by tenant id */
static int sq_business_list(void *db, store_cc_business_h *h, void *arg)
{
	struct store_cc_business b;
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT " BUSINESS_COLS " FROM cc_business "
			  "ORDER BY tenant_id");
	if (err)
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		business_read(s, &b);
		if (h(&b, arg))
			break;
	}
	return sqlite_list_end(db, s, rc, "cc business list");
}


/* ---- agents ------------------------------------------------------ */

static void agent_read(sqlite3_stmt *s, struct store_cc_agent *a)
{
	memset(a, 0, sizeof(*a));
	sqlite_text(s, 0, a->id, sizeof(a->id));
	sqlite_text(s, 1, a->tenant_id, sizeof(a->tenant_id));
	sqlite_text(s, 2, a->name, sizeof(a->name));
	sqlite_text(s, 3, a->endpoint, sizeof(a->endpoint));
	sqlite_text(s, 4, a->user_id, sizeof(a->user_id));
	sqlite_text(s, 5, a->skills, sizeof(a->skills));
	a->created_ms = sqlite_u64(s, 6);
	a->updated_ms = sqlite_u64(s, 7);
}


/* an update keeps created_ms: the agent exists since its first put */
static int sq_agent_put(void *db, const struct store_cc_agent *a)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO cc_agents (" AGENT_COLS
			      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
			      "ON CONFLICT(id) DO UPDATE SET name = ?3, "
			      "endpoint = ?4, user_id = ?5, skills = ?6, "
			      "updated_ms = ?8 "
			      "WHERE cc_agents.tenant_id = ?2");
	if (err)
		return err;
	sqlite_bind_text(s, 1, a->id);
	sqlite_bind_text(s, 2, a->tenant_id);
	sqlite_bind_text(s, 3, a->name);
	sqlite_bind_text(s, 4, a->endpoint);
	sqlite_bind_text(s, 5, a->user_id);
	sqlite_bind_text(s, 6, a->skills);
	sqlite_bind_u64(s, 7, a->created_ms);
	sqlite_bind_u64(s, 8, a->updated_ms);
	err = sqlite_run(db, s, "cc agent put");
	if (!err && sqlite3_changes(db) == 0)
		err = EEXIST;   /* the id is another tenant's agent */
	return err;
}


static int sq_agent_get(void *db, const char *tenant_id, const char *id,
			struct store_cc_agent *a)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_prep(db, &s, "SELECT " AGENT_COLS " FROM cc_agents "
			  "WHERE id = ? AND tenant_id = ?");
	if (err)
		return err;
	sqlite_bind_text(s, 1, id);
	sqlite_bind_text(s, 2, tenant_id);
	err = sqlite_step_one(db, s, "cc agent get");
	if (!err)
		agent_read(s, a);
	sqlite3_finalize(s);
	return err;
}


static int sq_agent_delete(void *db, const char *tenant_id, const char *id)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "DELETE FROM cc_agents "
			      "WHERE id = ? AND tenant_id = ?");
	if (err)
		return err;
	sqlite_bind_text(s, 1, id);
	sqlite_bind_text(s, 2, tenant_id);
	err = sqlite_run(db, s, "cc agent delete");
	if (!err && sqlite3_changes(db) == 0)
		err = ENOENT;
	return err;
}


/** A tenant's agents (NULL: every tenant's), oldest first */
static int sq_agent_list(void *db, const char *tenant_id,
			 store_cc_agent_h *h, void *arg)
{
	struct store_cc_agent a;
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT " AGENT_COLS " FROM cc_agents "
			  "WHERE ?1 IS NULL OR tenant_id = ?1 "
			  "ORDER BY created_ms, id");
	if (err)
		return err;
	if (tenant_id)
		sqlite_bind_text(s, 1, tenant_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		agent_read(s, &a);
		if (h(&a, arg))
			break;
	}
	return sqlite_list_end(db, s, rc, "cc agent list");
}


/* ---- dialing policy ---------------------------------------------- */

static int sq_dial_policy_put(void *db, const struct store_dial_policy *p)
{
	sqlite3_stmt *s;
	int err = sqlite_prep(db, &s, "INSERT INTO dial_policy (" POLICY_COLS
			      ") VALUES (?1, ?2, ?3, ?4, ?5) "
			      "ON CONFLICT(tenant_id) DO UPDATE SET "
			      "blocked_prefixes = ?2, number_id = ?3, "
			      "per_number_hour = ?4, updated_ms = ?5");
	if (err)
		return err;
	sqlite_bind_text(s, 1, p->tenant_id);
	sqlite_bind_text(s, 2, p->blocked_prefixes);
	sqlite3_bind_int(s, 3, p->number_id ? 1 : 0);
	sqlite_bind_u64(s, 4, p->per_number_hour);
	sqlite_bind_u64(s, 5, p->updated_ms);
	return sqlite_run(db, s, "dial policy put");
}


/** Every tenant's dialing policy, by tenant id */
static int sq_dial_policy_list(void *db, store_dial_policy_h *h, void *arg)
{
	struct store_dial_policy p;
	sqlite3_stmt *s;
	int err, rc;

	err = sqlite_prep(db, &s, "SELECT " POLICY_COLS " FROM dial_policy "
			  "ORDER BY tenant_id");
	if (err)
		return err;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		sqlite_text(s, 0, p.tenant_id, sizeof(p.tenant_id));
		sqlite_text(s, 1, p.blocked_prefixes,
			    sizeof(p.blocked_prefixes));
		p.number_id = sqlite3_column_int(s, 2) != 0;
		p.per_number_hour = (uint32_t)sqlite_u64(s, 3);
		p.updated_ms = sqlite_u64(s, 4);
		if (h(&p, arg))
			break;
	}
	return sqlite_list_end(db, s, rc, "dial policy list");
}


const struct store_cc_ops store_sqlite_cc_ops = {
	.business_put = sq_business_put,
	.business_get = sq_business_get,
	.business_list = sq_business_list,
	.agent_put = sq_agent_put,
	.agent_get = sq_agent_get,
	.agent_delete = sq_agent_delete,
	.agent_list = sq_agent_list,
	.request_put = sqlite_cc_request_put,
	.request_get = sqlite_cc_request_get,
	.request_list = sqlite_cc_request_list,
	.dial_policy_put = sq_dial_policy_put,
	.dial_policy_list = sq_dial_policy_list,
};
