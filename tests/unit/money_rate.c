/**
 * @file tests/unit/money_rate.c  Rate tables: lookup, CSV import, export
 *
 * The longest prefix wins, a number without any matching prefix has no
 * rate, tenants do not see each other's tables; a CSV with errors reports
 * each one with its line number and imports nothing (the previous table
 * stays); a valid one replaces the table, and its export imports back to
 * the same table.
 */
#include <string.h>
#include <re.h>
#include "cb_core.h"
#include "cb_store.h"
#include "cb_money.h"
#include "test.h"
#include "money_fix.h"

int test_money_rate_prefix(void);
int test_money_rate_csv_errors(void);
int test_money_rate_csv_roundtrip(void);
int test_money_rate_number(void);

static const char good_csv[] =
	"# rates of acme\r\n"
	"prefix,name,per_min,connect_fee,min_charge,first_s,next_s\r\n"
	"1,North America,0.012,0,0,60,6\r\n"
	"1908,\"New Jersey, \"\"908\"\"\",0.01,0.005,0.02,1,1\r\n"
	"\r\n"
	"19085,NJ 5,0.009,0,0,1,1\r\n"
	"44,United Kingdom,0.30,0,0,60,60\r\n"
	"+447,UK mobile,0.35,0.01,0,30,6\r\n";


int test_money_rate_prefix(void)
{
	struct money_csv_report rep;
	struct store_tenant other;
	struct store_rate r;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(money_rates_import(f.st, f.tenant, good_csv,
				    strlen(good_csv), &rep));
	ASSERT_EQ(5, rep.rows);

	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+19085551234"));
	ASSERT_STREQ("19085", r.prefix);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+19084551234"));
	ASSERT_STREQ("1908", r.prefix);
	ASSERT_STREQ("New Jersey, \"908\"", r.name);
	ASSERT_EQ(10000, r.per_min);
	ASSERT_EQ(5000, r.connect_fee);
	ASSERT_EQ(20000, r.min_charge);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "12125551212"));
	ASSERT_STREQ("1", r.prefix);
	ASSERT_EQ(60, r.first_s);
	ASSERT_EQ(6, r.next_s);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+447700900123"));
	ASSERT_STREQ("447", r.prefix);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+4420"));
	ASSERT_STREQ("44", r.prefix);
	/* exactly the prefix; the longest E.164 number */
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+1908"));
	ASSERT_STREQ("1908", r.prefix);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+190855512345678"));
	ASSERT_STREQ("19085", r.prefix);

	ASSERT_EQ(ENOENT, money_rate_find(f.st, &r, f.tenant, "+33123456"));
	ASSERT_EQ(ENOENT, money_rate_find(f.st, &r, f.tenant, "+4"));
	ASSERT_EQ(EINVAL, money_rate_find(f.st, &r, f.tenant, "+1908abc"));
	ASSERT_EQ(EINVAL, money_rate_find(f.st, &r, f.tenant,
					  "+1908555123456789"));

	/* another tenant has no rates */
	memset(&other, 0, sizeof(other));
	cb_id_new(other.id, 't');
	str_ncpy(other.name, "other", sizeof(other.name));
	TEST_ERR(store_tenant_create(f.st, &other));
	ASSERT_EQ(ENOENT, money_rate_find(f.st, &r, other.id, "+19085551234"));
	err = 0;
 out:
	mfix_close(&f);
	return err;
}


static bool has_error(const struct money_csv_report *rep, unsigned line,
		      const char *word)
{
	for (unsigned i = 0; i < rep->errc; i++) {
		if (rep->errv[i].line == line &&
		    strstr(rep->errv[i].msg, word))
			return true;
	}
	return false;
}


int test_money_rate_csv_errors(void)
{
	static const char bad[] =
		"prefix,name,per_min,connect_fee,min_charge,first_s,next_s\n"
		"1,North America,0.01,0,0,60,6\n"                 /* 2 ok   */
		"33,France,-0.01,0,0,60,6\n"                      /* 3      */
		"34,Spain,0.0000001,0,0,60,6\n"                   /* 4      */
		"35,Portugal,1e3,0,0,60,6\n"                      /* 5      */
		"0,Zero,0.01,0,0,60,6\n"                          /* 6      */
		"36,Hungary,0.01,0,0,0,6\n"                       /* 7      */
		"37,\"unterminated,0.01,0,0,60,6\n"               /* 8      */
		"38,Short,0.01\n"                                 /* 9      */
		"1,Again,0.02,0,0,60,6\n"                         /* 10 dup */
		"39,Huge,100000000001,0,0,60,6\n";                /* 11     */
	struct money_csv_report rep;
	struct store_rate r;
	struct mfix f;
	int err;

	TEST_ERR(mfix_open(&f));
	TEST_ERR(money_rates_import(f.st, f.tenant, good_csv,
				    strlen(good_csv), &rep));

	ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, bad,
					      strlen(bad), &rep));
	ASSERT_TRUE(has_error(&rep, 3, "negative"));
	ASSERT_TRUE(has_error(&rep, 4, "6 decimals"));
	ASSERT_TRUE(has_error(&rep, 5, "not a decimal"));
	ASSERT_TRUE(has_error(&rep, 6, "prefix"));
	ASSERT_TRUE(has_error(&rep, 7, "first_s"));
	ASSERT_TRUE(has_error(&rep, 8, "unterminated"));
	ASSERT_TRUE(has_error(&rep, 9, "3 fields"));
	ASSERT_TRUE(has_error(&rep, 11, "too large"));
	ASSERT_TRUE(!has_error(&rep, 2, ""));

	/* nothing imported: the previous table answers */
	ASSERT_EQ(ENOENT, money_rate_find(f.st, &r, f.tenant,
					  "+33123456789"));
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+19085551234"));
	ASSERT_STREQ("19085", r.prefix);

	/* a repeated prefix names both lines */
	{
		static const char dup[] = "prefix,name,per_min,connect_fee,"
			"min_charge,first_s,next_s\n1,A,0.01,0,0,60,6\n"
			"2,B,0.01,0,0,60,6\n1,C,0.02,0,0,1,1\n";

		ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, dup,
						      strlen(dup), &rep));
		ASSERT_EQ(1, rep.errc);
		ASSERT_TRUE(has_error(&rep, 4, "repeats line 2"));
	}
	/* no header, a wrong header, NUL bytes, stray quotes */
	{
		static const char nohdr[] = "1,A,0.01,0,0,60,6\n";
		static const char nul[] = "prefix,name,per_min,connect_fee,"
			"min_charge,first_s,next_s\n1,A\0,0.01,0,0,60,6\n";
		static const char quote[] = "prefix,name,per_min,connect_fee,"
			"min_charge,first_s,next_s\n1,A\"B,0.01,0,0,60,6\n"
			"2,\"B\"x,0.01,0,0,60,6\n3,A,0.01,0,0,60,6,9\n";

		ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, nohdr,
						      strlen(nohdr), &rep));
		ASSERT_TRUE(has_error(&rep, 1, "header"));
		ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, "", 0,
						      &rep));
		ASSERT_TRUE(has_error(&rep, 1, "header"));
		ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, nul,
						      sizeof(nul) - 1, &rep));
		ASSERT_TRUE(has_error(&rep, 2, "NUL"));
		ASSERT_EQ(EBADMSG, money_rates_import(f.st, f.tenant, quote,
						      strlen(quote), &rep));
		ASSERT_TRUE(has_error(&rep, 2, "quote"));
		ASSERT_TRUE(has_error(&rep, 3, "closing quote"));
		ASSERT_TRUE(has_error(&rep, 4, "more than 7"));
	}
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+19085551234"));
	ASSERT_STREQ("19085", r.prefix);

	/* many errors: ten kept, the rest counted */
	{
		struct mbuf *mb = mbuf_alloc(4096);

		ASSERT_TRUE(mb != NULL);
		err = mbuf_printf(mb, "prefix,name,per_min,connect_fee,"
				  "min_charge,first_s,next_s\n");
		for (int i = 0; i < 30 && !err; i++)
			err = mbuf_printf(mb, "%d,X,bad,0,0,60,6\n", 10 + i);
		if (!err)
			err = money_rates_import(f.st, f.tenant,
						 (char *)mb->buf, mb->end,
						 &rep);
		mem_deref(mb);
		ASSERT_EQ(EBADMSG, err);
		ASSERT_EQ(MONEY_CSV_ERRORS_MAX, rep.errc);
		ASSERT_TRUE(rep.more);
		ASSERT_EQ(2, rep.errv[0].line);
	}
	err = 0;
 out:
	mfix_close(&f);
	return err;
}


static int mbuf_h(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


int test_money_rate_csv_roundtrip(void)
{
	struct money_csv_report rep;
	struct re_printf pf;
	struct mbuf *a = mbuf_alloc(1024), *b = mbuf_alloc(1024);
	struct store_rate r;
	struct mfix f;
	int err;

	ASSERT_TRUE(a && b);
	pf.vph = mbuf_h;
	TEST_ERR(mfix_open(&f));
	TEST_ERR(money_rates_import(f.st, f.tenant, good_csv,
				    strlen(good_csv), &rep));
	pf.arg = a;
	TEST_ERR(money_rates_export(&pf, f.st, f.tenant));
	TEST_ERR(mbuf_write_u8(a, 0));
	ASSERT_TRUE(strstr((char *)a->buf, "1908,\"New Jersey, \"\"908\"\""
			   "\",0.01,0.005,0.02,1,1\n") != NULL);
	ASSERT_TRUE(strstr((char *)a->buf, "447,UK mobile,0.35,0.01,0,30,6\n")
		    != NULL);

	/* import the export: same table, same export */
	TEST_ERR(money_rates_import(f.st, f.tenant, (char *)a->buf,
				    a->end - 1, &rep));
	ASSERT_EQ(5, rep.rows);
	pf.arg = b;
	TEST_ERR(money_rates_export(&pf, f.st, f.tenant));
	TEST_ERR(mbuf_write_u8(b, 0));
	ASSERT_STREQ((char *)a->buf, (char *)b->buf);
	TEST_ERR(money_rate_find(f.st, &r, f.tenant, "+19084551234"));
	ASSERT_STREQ("New Jersey, \"908\"", r.name);

	/* an empty table (header only) clears it */
	TEST_ERR(money_rates_import(f.st, f.tenant, "prefix,name,per_min,"
				    "connect_fee,min_charge,first_s,next_s\n",
				    58, &rep));
	ASSERT_EQ(ENOENT, money_rate_find(f.st, &r, f.tenant, "+1212"));
 out:
	mem_deref(a);
	mem_deref(b);
	mfix_close(&f);
	return err;
}


int test_money_rate_number(void)
{
	struct store_rate r;
	char d[STORE_DIGITS_MAX];
	int err = 0;

	TEST_ERR(money_number_digits(d, "+19085551234"));
	ASSERT_STREQ("19085551234", d);
	TEST_ERR(money_number_digits(d, "447700900123"));
	ASSERT_STREQ("447700900123", d);
	ASSERT_EQ(EINVAL, money_number_digits(d, "+0123"));
	ASSERT_EQ(EINVAL, money_number_digits(d, "+"));
	ASSERT_EQ(EINVAL, money_number_digits(d, "+1 908"));
	ASSERT_EQ(EINVAL, money_number_digits(d, "1234567890123456"));
	ASSERT_EQ(EINVAL, money_number_digits(d, "sip:1@x"));

	memset(&r, 0, sizeof(r));
	str_ncpy(r.prefix, "44", sizeof(r.prefix));
	r.first_s = 60;
	r.next_s = 6;
	r.per_min = U(1);
	TEST_ERR(money_rate_check(&r));
	r.per_min = -1;
	ASSERT_EQ(ERANGE, money_rate_check(&r));
	r.per_min = MONEY_MAX + 1;
	ASSERT_EQ(ERANGE, money_rate_check(&r));
	r.per_min = 1;
	r.next_s = 0;
	ASSERT_EQ(EINVAL, money_rate_check(&r));
	r.next_s = 3601;
	ASSERT_EQ(EINVAL, money_rate_check(&r));
	err = 0;
 out:
	return err;
}
