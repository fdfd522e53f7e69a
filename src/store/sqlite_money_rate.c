/**
 * @file store/sqlite_money_rate.c  SQLite back-end: money settings, rates
 *
 * A tenant's money settings are one row (no row: the caller's defaults).
 * A tenant's rate table is replaced as a whole in one transaction, so an
 * import is all-or-nothing and a lookup never sees half a table.  The
 * longest-prefix lookup asks for the 15 prefixes of the number at once
 * (a primary-key probe each) and keeps the longest that exists.
 */
#include <string.h>
#include <re.h>
#include "sqlite_money.h"


int sqlite_money_tenant_get(void *db, struct store_money_tenant *mt,
			    const char *tenant_id)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT currency, tax_ppm, conf_min, "
			  "allow_credit, overcapture, limit_policy, "
			  "typical_s, hold_min, hold_max FROM money_tenants "
			  "WHERE tenant_id = ?");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "money tenant");
	if (!err) {
		memset(mt, 0, sizeof(*mt));
		str_ncpy(mt->tenant_id, tenant_id, sizeof(mt->tenant_id));
		sqlite_text(s, 0, mt->currency, sizeof(mt->currency));
		mt->tax_ppm = (uint32_t)sqlite3_column_int64(s, 1);
		mt->conf_min = sqlite3_column_int64(s, 2);
		mt->allow_credit = sqlite3_column_int(s, 3) != 0;
		mt->overcapture = (uint8_t)sqlite3_column_int(s, 4);
		mt->limit_policy = (uint8_t)sqlite3_column_int(s, 5);
		mt->typical_s = (uint32_t)sqlite3_column_int64(s, 6);
		mt->hold_min = sqlite3_column_int64(s, 7);
		mt->hold_max = sqlite3_column_int64(s, 8);
	}
	sm_done(s);
	return err;
}


int sqlite_money_tenant_put(void *db, const struct store_money_tenant *mt)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "INSERT OR REPLACE INTO money_tenants "
			      "(tenant_id, currency, tax_ppm, conf_min, "
			      "allow_credit, overcapture, limit_policy, "
			      "typical_s, hold_min, hold_max) VALUES "
			      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, mt->tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, mt->currency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, mt->tax_ppm);
	sqlite3_bind_int64(s, 4, mt->conf_min);
	sqlite3_bind_int(s, 5, mt->allow_credit);
	sqlite3_bind_int(s, 6, mt->overcapture);
	sqlite3_bind_int(s, 7, mt->limit_policy);
	sqlite3_bind_int64(s, 8, mt->typical_s);
	sqlite3_bind_int64(s, 9, mt->hold_min);
	sqlite3_bind_int64(s, 10, mt->hold_max);
	return sm_run(db, s, "money tenant put");
}


static int rate_insert(sqlite3 *db, const char *tenant_id,
		       const struct store_rate *r)
{
	sqlite3_stmt *s;
	int err = sm_prep(db, &s, "INSERT INTO rates (tenant_id, prefix, "
			      "name, per_min, connect_fee, min_charge, "
			      "first_s, next_s) VALUES (?,?,?,?,?,?,?,?)");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, r->prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, r->per_min);
	sqlite3_bind_int64(s, 5, r->connect_fee);
	sqlite3_bind_int64(s, 6, r->min_charge);
	sqlite3_bind_int64(s, 7, r->first_s);
	sqlite3_bind_int64(s, 8, r->next_s);
	return sm_run(db, s, "rate insert");
}


int sqlite_money_rates_replace(void *db, const char *tenant_id,
			       const struct store_rate *v, size_t n)
{
	sqlite3_stmt *s;
	int prev, err;

	err = sm_begin(db, false, &prev);
	if (err)
		return err;
	err = sm_prep(db, &s, "DELETE FROM rates WHERE tenant_id = ?");
	if (err)
		goto out;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	err = sm_run(db, s, "rates clear");
	for (size_t i = 0; i < n && !err; i++)
		err = rate_insert(db, tenant_id, &v[i]);
 out:
	return sm_end(db, err, prev);
}


static void rate_read(sqlite3_stmt *s, struct store_rate *r)
{
	memset(r, 0, sizeof(*r));
	sqlite_text(s, 0, r->prefix, sizeof(r->prefix));
	sqlite_text(s, 1, r->name, sizeof(r->name));
	r->per_min = sqlite3_column_int64(s, 2);
	r->connect_fee = sqlite3_column_int64(s, 3);
	r->min_charge = sqlite3_column_int64(s, 4);
	r->first_s = (uint32_t)sqlite3_column_int64(s, 5);
	r->next_s = (uint32_t)sqlite3_column_int64(s, 6);
}


#define RATE_COLS "prefix, name, per_min, connect_fee, min_charge, " \
	"first_s, next_s"
#define P(n) "substr(?2, 1, " #n ")"

int sqlite_money_rate_find(void *db, struct store_rate *r,
			   const char *tenant_id, const char *digits)
{
	sqlite3_stmt *s;
	int err;

	err = sm_prep(db, &s, "SELECT " RATE_COLS " FROM rates "
			  "WHERE tenant_id = ?1 AND prefix IN ("
			  P(1) "," P(2) "," P(3) "," P(4) "," P(5) ","
			  P(6) "," P(7) "," P(8) "," P(9) "," P(10) ","
			  P(11) "," P(12) "," P(13) "," P(14) "," P(15)
			  ") ORDER BY length(prefix) DESC LIMIT 1");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, digits, -1, SQLITE_TRANSIENT);
	err = sm_step_one(db, s, "rate find");
	if (!err)
		rate_read(s, r);
	sm_done(s);
	return err;
}


int sqlite_money_rate_list(void *db, const char *tenant_id,
			   store_rate_h *h, void *arg)
{
	struct store_rate r;
	sqlite3_stmt *s;
	int err, rc;

	err = sm_prep(db, &s, "SELECT " RATE_COLS " FROM rates "
			  "WHERE tenant_id = ? ORDER BY prefix");
	if (err)
		return err;
	sqlite3_bind_text(s, 1, tenant_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rate_read(s, &r);
		if (h(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlite_err(db, rc, "rate list");
	sm_done(s);
	return err;
}
