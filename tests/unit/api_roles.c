/**
 * @file tests/unit/api_roles.c  Which roles a route admits
 *
 * The rule api_dispatch() applies (403 forbidden otherwise): public
 * routes admit anyone, a route naming roles admits those, and a route
 * naming none admits admin and operator only.
 */
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "test.h"

int test_api_roles(void);


int test_api_roles(void)
{
	int err = 0;

	for (int r = 0; r < CB_ROLE_MAX; r++) {
		ASSERT_TRUE(api_route_allows(API_PUBLIC, (enum cb_role)r));
		ASSERT_TRUE(api_route_allows(API_ANY_ROLE | API_AUTH,
					     (enum cb_role)r));
	}
	ASSERT_TRUE(api_route_allows(API_ADMINS | API_AUTH, CB_ROLE_ADMIN));
	ASSERT_TRUE(!api_route_allows(API_ADMINS | API_AUTH,
				      CB_ROLE_OPERATOR));
	ASSERT_TRUE(api_route_allows(API_MANAGERS | API_AUTH,
				     CB_ROLE_OPERATOR));
	ASSERT_TRUE(!api_route_allows(API_MANAGERS | API_AUTH,
				      CB_ROLE_AGENT));
	/* naming no role: admins and operators */
	ASSERT_TRUE(api_route_allows(API_AUTH, CB_ROLE_ADMIN));
	ASSERT_TRUE(api_route_allows(API_AUTH, CB_ROLE_OPERATOR));
	ASSERT_TRUE(!api_route_allows(API_AUTH, CB_ROLE_AGENT));
	ASSERT_TRUE(!api_route_allows(API_AUTH, CB_ROLE_CUSTOMER));
	ASSERT_TRUE(!api_route_allows(API_ANY_ROLE | API_AUTH, CB_ROLE_MAX));
 out:
	return err;
}
