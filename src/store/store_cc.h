/**
 * @file store/store_cc.h  Store internals: the contact-centre table
 *
 * A business's settings, its agents, its customers' call requests and
 * the tenants' dialing policies are their own table of operations,
 * reached from `struct store_ops` through one pointer, like the billing
 * records (store_cdr.h).  Each function takes the back-end's connection;
 * store_cc.c checks the arguments and holds the store's lock around every
 * call.  Only back-end files contain SQL.
 */

struct store_cc_ops {
	int  (*business_put)(void *db, const struct store_cc_business *b);
	int  (*business_get)(void *db, const char *tenant_id,
			     struct store_cc_business *b);
	int  (*business_list)(void *db, store_cc_business_h *h, void *arg);
	int  (*agent_put)(void *db, const struct store_cc_agent *a);
	int  (*agent_get)(void *db, const char *tenant_id, const char *id,
			  struct store_cc_agent *a);
	int  (*agent_delete)(void *db, const char *tenant_id, const char *id);
	int  (*agent_list)(void *db, const char *tenant_id,
			   store_cc_agent_h *h, void *arg);
	int  (*request_put)(void *db, const struct store_cc_request *r);
	int  (*request_get)(void *db, const char *tenant_id, const char *id,
			    struct store_cc_request *r);
	int  (*request_list)(void *db, const char *tenant_id,
			     const char *agent_id, uint64_t since_ms,
			     uint32_t limit, store_cc_request_h *h,
			     void *arg);
	int  (*dial_policy_put)(void *db, const struct store_dial_policy *p);
	int  (*dial_policy_list)(void *db, store_dial_policy_h *h, void *arg);
};

/* sqlite_cc.c, sqlite_cc_request.c */
extern const struct store_cc_ops store_sqlite_cc_ops;
int  sqlite_cc_request_put(void *db, const struct store_cc_request *r);
int  sqlite_cc_request_get(void *db, const char *tenant_id, const char *id,
			   struct store_cc_request *r);
int  sqlite_cc_request_list(void *db, const char *tenant_id,
			    const char *agent_id, uint64_t since_ms,
			    uint32_t limit, store_cc_request_h *h,
			    void *arg);
