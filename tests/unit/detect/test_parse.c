/* tests/unit/detect/test_parse.c: the Suricata rule parser of src/detect/ (issue 5): header,
 * address and port expressions, option quoting, every keyword, the checks Suricata makes, the
 * fast pattern choice, class and reference files (https://docs.suricata.io/en/latest/rules/). */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "app/app.h"
#include "decode/decode.h"
#include "defrag/defrag.h"
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/detect_eng_int.h"
#include "stream/stream.h"
#include "unit.h"

static struct det_vars vars;
static struct det_classes classes;
static struct det_parse_error perr;
static int last_rc;

/* Parses text with the default vars and the test classes; NULL (and last_rc, perr) on error. */
static struct det_rule *
parse(const char *text)
{
	struct det_rule *r = NULL;

	last_rc = det_rule_parse(text, "test.rules", 7, &vars, &classes, &r, &perr);
	return last_rc == 0 ? r : NULL;
}

/* Checks that text fails with code and exactly reason. */
static void
check_fail(const char *text, int code, const char *reason)
{
	struct det_rule *r = parse(text);
	char name[600];

	snprintf(name, sizeof(name), "rejected (%s): %.400s", reason, text);
	UNIT_CHECK(r == NULL && last_rc == code, name);
	if (r == NULL)
		UNIT_CHECK_STR(perr.reason, reason, "  reason");
	det_rule_free(r);
}

static void
check_unsupp(const char *text, const char *keyword)
{
	struct det_rule *r = parse(text);
	char name[600];

	snprintf(name, sizeof(name), "unsupported %s: %.400s", keyword, text);
	UNIT_CHECK(r == NULL && last_rc == SW_E_UNSUPP, name);
	UNIT_CHECK_STR(perr.keyword, keyword, "  keyword named");
	det_rule_free(r);
}

static void
check_ok(const char *text)
{
	struct det_rule *r = parse(text);
	char name[600];

	snprintf(name, sizeof(name), "parsed: %.500s", text);
	UNIT_CHECK(r != NULL, name);
	if (r == NULL)
		printf("#   rc %d: %s\n", last_rc, perr.reason);
	det_rule_free(r);
}

static const struct det_list *
list_of(const struct det_rule *r, int buffer)
{
	uint32_t i;

	for (i = 0; r != NULL && i < r->nlists; i++)
		if (r->lists[i].buffer == buffer)
			return &r->lists[i];
	return NULL;
}

static bool
pat_is(const struct det_item *it, const char *want, size_t n)
{
	return it->kind == DET_ITEM_CONTENT && it->u.content.len == n &&
	       memcmp(it->u.content.pat, want, n) == 0;
}

static det_u128
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};

	return det_addr_key(4, x);
}

static det_u128
v6(const char *text)
{
	uint8_t x[16];

	if (inet_pton(AF_INET6, text, x) != 1)
		abort();
	return det_addr_key(6, x);
}

/* ---- addresses and ports ------------------------------------------------------------------- */

static void
test_addr(void)
{
	struct det_ipset s;
	struct det_portset ps;
	char err[200];
	int rc;

	rc = det_parse_addr(&vars, "any", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_is_any(&s), "any is any");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "10.0.0.5/8", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && s.n == 1 && det_ipset_has(&s, v4(10, 255, 1, 1)) &&
	               !det_ipset_has(&s, v4(11, 0, 0, 0)),
	           "CIDR with host bits covers the prefix");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "192.168.1.0/255.255.255.0", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(192, 168, 1, 200)) &&
	               !det_ipset_has(&s, v4(192, 168, 2, 1)),
	           "netmask form");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "$HOME_NET", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && s.n == 3 && det_ipset_has(&s, v4(172, 31, 255, 255)) &&
	               !det_ipset_has(&s, v4(172, 32, 0, 0)),
	           "HOME_NET default");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "$EXTERNAL_NET", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(8, 8, 8, 8)) &&
	               !det_ipset_has(&s, v4(10, 1, 2, 3)) && det_ipset_has(&s, v6("2001:db8::1")),
	           "EXTERNAL_NET is !HOME_NET, IPv6 included");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "$AIM_SERVERS", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(8, 8, 8, 8)), "AIM_SERVERS is EXTERNAL_NET");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "[10.0.0.0/8,![10.1.0.0/16,10.2.0.0/16]]", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(10, 3, 0, 1)) &&
	               !det_ipset_has(&s, v4(10, 1, 9, 9)) && !det_ipset_has(&s, v4(10, 2, 0, 0)) &&
	               s.n == 2,
	           "nested negated list subtracts");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "[!1.2.3.4]", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && !det_ipset_has(&s, v4(1, 2, 3, 4)) &&
	               det_ipset_has(&s, v4(1, 2, 3, 5)) && s.n == 2,
	           "list of only negations is any minus them");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "[1.2.3.4, 5.6.7.8 ,2001:db8::/32]", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(5, 6, 7, 8)) &&
	               det_ipset_has(&s, v6("2001:db8:ffff::1")) &&
	               !det_ipset_has(&s, v6("2001:db9::")),
	           "list with spaces and IPv6");
	det_ipset_free(&s);

	/* whether the expression has a '!' (Suricata's contains_negation: not an IP-only rule) */
	{
		static const struct {
			const char *text;
			bool negated;
		} neg[] = {
		    {"any", false},
		    {"$HOME_NET", false},
		    {"[192.0.2.1,198.51.100.0/24,2001:db8::1]", false},
		    {"$EXTERNAL_NET", true},
		    {"$AIM_SERVERS", true}, /* through two variables */
		    {"!192.0.2.1", true},
		    {"[10.0.0.0/8,!10.1.0.0/16]", true},
		    {"[$HOME_NET,![10.1.0.0/16]]", true},
		};

		for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
			char what[96];

			snprintf(what, sizeof(what), "%s: negated %s", neg[i].text,
			         neg[i].negated ? "yes" : "no");
			rc = det_parse_addr(&vars, neg[i].text, &s, err, sizeof(err));
			UNIT_CHECK(rc == 0 && s.negated == neg[i].negated, what);
			if (rc == 0)
				det_ipset_free(&s);
		}
	}

	rc = det_parse_addr(&vars, "!2001:db8::1", &s, err, sizeof(err));
	UNIT_CHECK(rc == 0 && !det_ipset_has(&s, v6("2001:db8::1")) &&
	               det_ipset_has(&s, v4(1, 1, 1, 1)),
	           "negated IPv6 host");
	det_ipset_free(&s);

	rc = det_parse_addr(&vars, "[1.2.3.4,!1.2.3.4]", &s, err, sizeof(err));
	UNIT_CHECK(rc == SW_E_INVAL, "contradicting list rejected");
	UNIT_CHECK_STR(err, "address: '[1.2.3.4,!1.2.3.4]' matches nothing", "  its message");

	rc = det_parse_addr(&vars, "!any", &s, err, sizeof(err));
	UNIT_CHECK(rc == SW_E_INVAL, "!any rejected");

	rc = det_parse_addr(&vars, "$NOPE", &s, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "address: unknown variable $NOPE",
	               "unknown variable");

	rc = det_parse_addr(&vars, "1.2.3.400", &s, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "address: bad value '1.2.3.400'", "bad IPv4");

	rc = det_parse_addr(&vars, "1.2.3.0/33", &s, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "address: bad prefix length in '1.2.3.0/33'",
	               "bad prefix");

	rc = det_parse_addr(&vars, "[1.2.3.4,5.6.7.8", &s, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "address: unterminated list", "unterminated");

	{
		struct det_vars lv;

		memset(&lv, 0, sizeof(lv));
		det_vars_set(&lv, false, "A", "[1.1.1.1,$B]");
		det_vars_set(&lv, false, "B", "$A");
		rc = det_parse_addr(&lv, "$A", &s, err, sizeof(err));
		UNIT_CHECK(rc == SW_E_INVAL && strstr(err, "variable loop") != NULL,
		           "variable loop detected");
		det_vars_set(&lv, false, "B", "2.2.2.2");
		rc = det_parse_addr(&lv, "$A", &s, err, sizeof(err));
		UNIT_CHECK(rc == 0 && det_ipset_has(&s, v4(2, 2, 2, 2)), "det_vars_set replaces");
		det_ipset_free(&s);
		det_vars_free(&lv);
	}

	rc = det_parse_port(&vars, "any", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_is_any(&ps), "port any");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "[80,443,8000:8080]", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && ps.n == 3 && det_portset_has(&ps, 8042) &&
	               !det_portset_has(&ps, 8081) && det_portset_has(&ps, 443),
	           "port list with range");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "1024:", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_has(&ps, 65535) && !det_portset_has(&ps, 1023),
	           "open range a:");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, ":1023", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_has(&ps, 0) && !det_portset_has(&ps, 1024),
	           "open range :b");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "!22", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && !det_portset_has(&ps, 22) && det_portset_has(&ps, 23), "!22");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "$FILE_DATA_PORTS", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_has(&ps, 80) && det_portset_has(&ps, 143) &&
	               det_portset_has(&ps, 110) && ps.n == 3,
	           "FILE_DATA_PORTS expands HTTP_PORTS");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "[$HTTP_PORTS,!81]", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_has(&ps, 80) && !det_portset_has(&ps, 81), "var and !");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "$SHELLCODE_PORTS", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && !det_portset_has(&ps, 80) && det_portset_has(&ps, 81),
	           "SHELLCODE_PORTS");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "$TEREDO_PORTS", &ps, err, sizeof(err));
	UNIT_CHECK(rc == 0 && det_portset_has(&ps, 3544), "TEREDO_PORTS");
	det_portset_free(&ps);
	rc = det_parse_port(&vars, "70000", &ps, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "port: bad value '70000'", "port too big");
	rc = det_parse_port(&vars, "90:80", &ps, err, sizeof(err));
	UNIT_CHECK_STR(rc == SW_E_INVAL ? err : "", "port: range '90:80' is reversed", "reversed");
	rc = det_parse_port(&vars, "[80,!80]", &ps, err, sizeof(err));
	UNIT_CHECK(rc == SW_E_INVAL, "empty port set rejected");
	rc = det_parse_port(&vars, "$HOME_NET", &ps, err, sizeof(err));
	UNIT_CHECK(rc == SW_E_INVAL, "address group is not a port group");
}

/* ---- header -------------------------------------------------------------------------------- */

static void
test_header(void)
{
	struct det_rule *r;

	r = parse("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"x\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->action == DET_ACT_ALERT && r->proto == 6 &&
	               r->app_proto == APP_NONE && !r->bidir && r->sid == 1 && r->gid == 1 &&
	               r->priority == 3 && r->line == 7 && strcmp(r->file, "test.rules") == 0,
	           "basic header");
	UNIT_CHECK(r != NULL && r->nlists == 0, "no lists without contents");
	UNIT_CHECK(r != NULL && det_portset_has(&r->dport, 80) && !det_portset_has(&r->dport, 81) &&
	               det_portset_is_any(&r->sport),
	           "header ports");
	det_rule_free(r);

	r = parse("drop udp any any <> 10.0.0.1 53 (sid:2;)");
	UNIT_CHECK(r != NULL && r->action == DET_ACT_DROP && r->proto == 17 && r->bidir,
	           "drop udp <>");
	det_rule_free(r);
	r = parse("rejectboth icmp any any -> any any (sid:3;)");
	UNIT_CHECK(r != NULL && r->action == DET_ACT_REJECT && r->proto == 1 && r->icmp_any,
	           "rejectboth icmp");
	det_rule_free(r);
	r = parse("pass ip any any -> any any (sid:4;)");
	UNIT_CHECK(r != NULL && r->action == DET_ACT_PASS && r->proto == 0, "pass ip");
	det_rule_free(r);
	r = parse("alert http any any -> any any (sid:5;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_HTTP && r->proto == 6 && r->app_name == NULL,
	           "http header");
	det_rule_free(r);
	r = parse("alert http1 any any -> any any (sid:5;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_HTTP, "http1 header");
	det_rule_free(r);
	r = parse("alert dns any any -> any any (sid:6;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_DNS && r->proto == 0,
	           "dns header: TCP and UDP (the parser reads both)");
	det_rule_free(r);
	r = parse("alert SSL any any -> any any (sid:6;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_TLS && r->proto == 6,
	           "ssl header, any case: tls over TCP");
	det_rule_free(r);
	r = parse("alert tls any any -> any any (sid:7;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_TLS && r->proto == 6, "tls header");
	det_rule_free(r);
	r = parse("alert ssh any any -> any any (sid:8;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_SSH && r->proto == 6, "ssh header: our parser, tcp");
	det_rule_free(r);
	r = parse("alert smtp any any -> any any (sid:8;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_NONE && r->app_name != NULL &&
	               strcmp(r->app_name, "smtp") == 0 && r->proto == 6,
	           "smtp: app_name, tcp");
	det_rule_free(r);
	r = parse("alert snmp any any -> any any (sid:9;)");
	UNIT_CHECK(r != NULL && strcmp(r->app_name, "snmp") == 0 && r->proto == 17, "snmp: udp");
	det_rule_free(r);
	r = parse("alert krb5 any any -> any any (sid:9;)");
	UNIT_CHECK(r != NULL && strcmp(r->app_name, "krb5") == 0 && r->proto == 0, "krb5: any");
	det_rule_free(r);
	r = parse("alert tcp [10.0.0.0/8, !10.1.0.0/16] any -> any [80, 8080] (sid:10;)");
	UNIT_CHECK(r != NULL && det_portset_has(&r->dport, 8080) &&
	               !det_ipset_has(&r->src, v4(10, 1, 0, 1)),
	           "spaces inside header lists");
	det_rule_free(r);
	r = parse("  alert tcp any any -> any any ( sid : 11 ; msg : \"sp\" ; )  ");
	UNIT_CHECK(r != NULL && r->sid == 11 && strcmp(r->msg, "sp") == 0,
	           "spaces around keys and values");
	det_rule_free(r);

	check_fail("alert tcp any any -> any any", SW_E_INVAL, "no '(' options");
	check_fail("alert tcp any any -> any any (sid:1;", SW_E_INVAL,
	           "no ')' at the end of the rule");
	check_fail("alert tcp any any -> any any (sid:1;) x", SW_E_INVAL,
	           "no ')' at the end of the rule");
	check_fail("alert tcp any any any (sid:1;)", SW_E_INVAL,
	           "header: expected 'action proto src sport -> dst dport', got 5 words");
	check_fail("alrt tcp any any -> any any (sid:1;)", SW_E_INVAL, "unknown action 'alrt'");
	check_fail("alert tcp any any <- any any (sid:1;)", SW_E_INVAL, "bad direction '<-'");
	check_fail("alert t@p any any -> any any (sid:1;)", SW_E_INVAL, "unknown protocol 't@p'");
	check_fail("alert tcp 1.2.3 any -> any any (sid:1;)", SW_E_INVAL,
	           "address: bad value '1.2.3'");
	check_fail("alert tcp any 99999 -> any any (sid:1;)", SW_E_INVAL,
	           "port: bad value '99999'");
	check_fail("alert tcp $NOPE any -> any any (sid:1;)", SW_E_INVAL,
	           "address: unknown variable $NOPE");
	check_fail("alert tcp [1.2.3.4,!1.2.3.4] any -> any any (sid:1;)", SW_E_INVAL,
	           "address: '[1.2.3.4,!1.2.3.4]' matches nothing");
}

/* ---- meta keywords and quoting --------------------------------------------------------------- */

static void
test_meta(void)
{
	struct det_rule *r;

	r = parse(
	    "alert tcp any any -> any any (msg:\"a\\;b\"; sid:100; rev:3; gid:2; "
	    "classtype:trojan-activity; reference:cve,2021-44228; reference:url,example.com/x; "
	    "metadata:created_at 2024_01_01, former_category MALWARE; target:dest_ip;)");
	UNIT_CHECK(r != NULL, "meta rule parses");
	if (r != NULL) {
		UNIT_CHECK_STR(r->msg, "a;b", "msg \\; unescaped");
		UNIT_CHECK(r->sid == 100 && r->rev == 3 && r->gid == 2, "sid rev gid");
		UNIT_CHECK_STR(r->classtype, "trojan-activity", "classtype");
		UNIT_CHECK(r->priority == 1, "priority from classtype");
		UNIT_CHECK(r->nreferences == 2, "two references");
		UNIT_CHECK_STR(r->nreferences == 2 ? r->references[0] : "", "cve,2021-44228",
		               "reference as written");
		UNIT_CHECK(r->nmetadata == 2, "two metadata items");
		UNIT_CHECK_STR(r->nmetadata == 2 ? r->metadata[1] : "", "former_category MALWARE",
		               "metadata trimmed");
		UNIT_CHECK(r->target == 1, "target dest_ip");
	}
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (msg:\"quote \\\" back \\\\ colon \\: ; in "
	          "quotes\"; sid:101; priority:2; classtype:bad-unknown;)");
	UNIT_CHECK_STR(r != NULL ? r->msg : "", "quote \" back \\ colon : ; in quotes",
	               "msg escapes and ; inside quotes");
	UNIT_CHECK(r != NULL && r->priority == 2, "explicit priority wins");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (msg:\"x\"; sid:102; target:src_ip;)");
	UNIT_CHECK(r != NULL && r->target == 0 && r->classtype == NULL && r->priority == 3,
	           "target src_ip, default priority 3");
	det_rule_free(r);

	{
		struct det_rule *r2 = NULL;
		int rc = det_rule_parse("alert tcp any any -> any any (classtype:whatever; sid:1;)",
		                        "f", 1, &vars, NULL, &r2, &perr);

		UNIT_CHECK(rc == 0 && r2 != NULL && r2->priority == 3,
		           "classes NULL accepts any classtype");
		det_rule_free(r2);
	}

	check_fail("alert tcp any any -> any any (msg:\"x\";)", SW_E_INVAL, "sid: missing");
	check_fail("alert tcp any any -> any any (sid:0;)", SW_E_INVAL, "sid: bad value '0'");
	check_fail("alert tcp any any -> any any (sid:-1;)", SW_E_INVAL, "sid: bad value '-1'");
	check_fail("alert tcp any any -> any any (sid:abc;)", SW_E_INVAL, "sid: bad value 'abc'");
	check_fail("alert tcp any any -> any any (sid:1; sid:2;)", SW_E_INVAL, "sid: set twice");
	check_fail("alert tcp any any -> any any (sid:1)", SW_E_INVAL, "sid: no terminating ';'");
	check_fail("alert tcp any any -> any any (msg:\"abc; sid:1;)", SW_E_INVAL,
	           "msg: unterminated quote");
	check_fail("alert tcp any any -> any any (msg:\"a\\\"; sid:1;)", SW_E_INVAL,
	           "msg: unterminated quote");
	check_fail("alert tcp any any -> any any (sid:1; classtype:no-such-class;)", SW_E_INVAL,
	           "classtype: unknown classtype 'no-such-class'");
	check_fail("alert tcp any any -> any any (sid:1; reference:nosuch,1;)", SW_E_INVAL,
	           "reference: unknown type 'nosuch'");
	check_fail("alert tcp any any -> any any (sid:1; reference:cve;)", SW_E_INVAL,
	           "reference: expected 'type,id', got 'cve'");
	check_fail("alert tcp any any -> any any (sid:1; priority:0;)", SW_E_INVAL,
	           "priority: bad value '0'");
	check_fail("alert tcp any any -> any any (sid:1; target:both;)", SW_E_INVAL,
	           "target: expected src_ip or dest_ip, got 'both'");
	check_fail("alert tcp any any -> any any (sid:1; msg;)", SW_E_INVAL, "msg: missing value");
	check_fail("alert tcp any any -> any any (sid:1; ;)", SW_E_INVAL, "empty option");
	check_fail("alert tcp any any -> any any (sid:1; nocase:1;)", SW_E_INVAL,
	           "nocase: takes no value");
}

/* ---- content -----------------------------------------------------------------------------------
 */

static void
test_content(void)
{
	struct det_rule *r;
	const struct det_list *l;

	r = parse("alert tcp any any -> any any (content:\"|3a|\\\"x\\\"\"; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && l->n == 1 && pat_is(&l->items[0], ":\"x\"", 4),
	           "hex and escaped quotes");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"a\\\\b\\;c\\:d\"; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && pat_is(&l->items[0], "a\\b;c:d", 7), "escaped backslash, ; and :");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"GET |20 2f|x|0D 0a|\"; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && pat_is(&l->items[0], "GET  /x\r\n", 9), "mixed hex");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:!\"evil\"; content:\"good\"; nocase; "
	          "depth:10; offset:2; content:\"more\"; distance:0; within:20; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && l->n == 3, "three contents");
	if (l != NULL && l->n == 3) {
		const struct det_content *c0 = &l->items[0].u.content, *c1 = &l->items[1].u.content,
		                         *c2 = &l->items[2].u.content;

		UNIT_CHECK(c0->flags == DET_C_NEGATED, "negated content");
		UNIT_CHECK(c1->flags == (DET_C_NOCASE | DET_C_DEPTH | DET_C_OFFSET) &&
		               c1->depth.v == 10 && c1->offset.v == 2 && c1->depth.var == -1,
		           "nocase depth offset");
		UNIT_CHECK(c2->flags == (DET_C_DISTANCE | DET_C_WITHIN) && c2->distance.v == 0 &&
		               c2->within.v == 20,
		           "distance within");
		/* "good" and "more" are as long; "more" has more distinct bytes */
		UNIT_CHECK(r->fp_list == 0 && r->fp_item == 2,
		           "fast pattern: longest non-negated, then the strongest");
	}
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:-5; "
	          "content:\"c\"; startswith; content:\"d\"; endswith; content:\"e\"; rawbytes; "
	          "sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && l->n == 5 && l->items[1].u.content.distance.v == -5 &&
	               (l->items[2].u.content.flags & DET_C_STARTSWITH) &&
	               (l->items[3].u.content.flags & DET_C_ENDSWITH),
	           "negative distance, startswith, endswith, rawbytes");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"abc\"; distance:0; sid:1;)");
	UNIT_CHECK(r != NULL, "distance on the first content is allowed (from the start)");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"User-Agent|3a|\"; content:\"Bad\"; "
	          "distance:0; fast_pattern; sid:1;)");
	UNIT_CHECK(r != NULL && r->fp_item == 1 &&
	               (r->lists[0].items[1].u.content.flags & DET_C_FAST) &&
	               !(r->lists[0].items[1].u.content.flags & DET_C_FAST_ONLY),
	           "explicit fast_pattern");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"only\"; fast_pattern:only; sid:1;)");
	UNIT_CHECK(r != NULL && (r->lists[0].items[0].u.content.flags & DET_C_FAST_ONLY),
	           "fast_pattern:only");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"abcdefgh\"; fast_pattern:2,4; sid:1;)");
	UNIT_CHECK(r != NULL && (r->lists[0].items[0].u.content.flags & DET_C_FAST_CHOP) &&
	               r->lists[0].items[0].u.content.fp_off == 2 &&
	               r->lists[0].items[0].u.content.fp_len == 4,
	           "fast_pattern chop");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:!\"x\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->fp_list == -1, "only a negated content: no fast pattern");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flow:established; sid:1;)");
	UNIT_CHECK(r != NULL && r->fp_list == -1 && r->nlists == 0, "no content, no fast pattern");
	det_rule_free(r);

	check_fail("alert tcp any any -> any any (content:\"abc\"; depth:2; sid:1;)", SW_E_INVAL,
	           "depth: 2 is smaller than the content's length 3");
	check_fail("alert tcp any any -> any any (content:\"abcd\"; within:3; sid:1;)", SW_E_INVAL,
	           "within: 3 is smaller than the content's length 4");
	check_fail("alert tcp any any -> any any (content:\"abc; sid:1;)", SW_E_INVAL,
	           "content: unterminated quote");
	check_fail("alert tcp any any -> any any (content:\"a\"b\"c\"; sid:1;)", SW_E_INVAL,
	           "content: unescaped '\"'");
	check_fail("alert tcp any any -> any any (content:\"a\\nb\"; sid:1;)", SW_E_INVAL,
	           "content: '\\n' is not a valid escape");
	check_fail("alert tcp any any -> any any (content:\"|4|\"; sid:1;)", SW_E_INVAL,
	           "content: odd number of hex digits");
	check_fail("alert tcp any any -> any any (content:\"|4g|\"; sid:1;)", SW_E_INVAL,
	           "content: bad hex character 'g'");
	check_fail("alert tcp any any -> any any (content:\"|41\"; sid:1;)", SW_E_INVAL,
	           "content: unterminated hex '|'");
	check_fail("alert tcp any any -> any any (content:\"\"; sid:1;)", SW_E_INVAL,
	           "content: empty pattern");
	check_fail("alert tcp any any -> any any (nocase; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "nocase: no content before it");
	check_fail("alert tcp any any -> any any (content:\"a\"; nocase; nocase; sid:1;)",
	           SW_E_INVAL, "nocase: set twice on one content");
	check_fail("alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; "
	           "depth:5; sid:1;)",
	           SW_E_INVAL,
	           "depth: cannot mix depth/offset with distance/within on one content");
	check_fail("alert tcp any any -> any any (content:\"a\"; depth:x; sid:1;)", SW_E_INVAL,
	           "depth: unknown variable 'x'");
	check_fail("alert tcp any any -> any any (content:\"a\"; offset:-1; sid:1;)", SW_E_INVAL,
	           "offset: bad value '-1'");
	check_fail("alert tcp any any -> any any (content:\"a\"; depth:3; startswith; sid:1;)",
	           SW_E_INVAL, "startswith: cannot be used with depth, offset, distance or within");
	check_fail("alert tcp any any -> any any (content:\"a\"; fast_pattern; content:\"b\"; "
	           "fast_pattern; sid:1;)",
	           SW_E_INVAL, "fast_pattern: can be used on only one content");
	check_fail("alert tcp any any -> any any (content:!\"a\"; fast_pattern; depth:4; sid:1;)",
	           SW_E_INVAL, "fast_pattern: cannot be used on a negated content with a position");
	check_fail("alert tcp any any -> any any (content:\"abc\"; fast_pattern:only; offset:1; "
	           "sid:1;)",
	           SW_E_INVAL,
	           "fast_pattern: only cannot be used on a negated or positioned content");
	check_fail("alert tcp any any -> any any (content:\"abc\"; fast_pattern:2,4; sid:1;)",
	           SW_E_INVAL, "fast_pattern: 2,4 goes past the content's length 3");
	check_fail("alert tcp any any -> any any (content:\"abc\"; fast_pattern:x; sid:1;)",
	           SW_E_INVAL, "fast_pattern: expected 'only' or 'offset,length'");
}

/* ---- buffers ------------------------------------------------------------------------------- */

static void
test_buffers(void)
{
	struct det_rule *r;
	const struct det_list *l;

	UNIT_CHECK(det_buffer_by_sticky("http.uri") == det_buffer_named("http.uri"), "sticky http.uri");
	UNIT_CHECK(det_buffer_by_sticky("http_uri") == -1, "http_uri is not sticky");
	UNIT_CHECK(det_buffer_by_modifier("http_uri") == det_buffer_named("http.uri"), "modifier http_uri");
	UNIT_CHECK(det_buffer_by_modifier("uricontent") == det_buffer_named("http.uri"), "uricontent");
	UNIT_CHECK(det_buffer_by_sticky("tls_sni") == det_buffer_named("tls.sni"), "tls_sni alias");
	UNIT_CHECK(det_buffer_by_sticky("dns_query") == det_buffer_named("dns.query"), "dns_query alias");
	UNIT_CHECK(det_buffer_by_sticky("ja3_hash") == det_buffer_named("ja3.hash"), "ja3_hash alias");
	UNIT_CHECK(det_buffer_by_modifier("http_server_body") == det_buffer_named("http.response_body"),
	           "http_server_body");
	UNIT_CHECK(det_buffer_count() > 25 && det_buffer_count() <= DET_BUF_MAX,
	           "every app buffer is numbered");
	for (int i = 0; i < det_buffer_count(); i++)
		if (det_buffer(i)->name == NULL)
			UNIT_CHECK(0, "a buffer without a name");
	UNIT_CHECK(det_buffer(det_buffer_named("dns.query"))->app_proto == APP_DNS, "dns.query is dns");
	UNIT_CHECK(det_buffer(det_buffer_named("file.name"))->msg_kind == APP_MSG_FILE,
	           "file.name is on files");
	UNIT_CHECK(det_buffer_by_sticky("file_data") == det_buffer_named("http.response_body"),
	           "file_data is the response body until the direction says otherwise");
	UNIT_CHECK(det_buffer_by_sticky("http.nope") < 0, "an unknown sticky buffer");

	r = parse("alert tcp any any -> any any (flow:established,to_server; http.uri; "
	          "content:\"/a.php\"; http.host; content:\"evil\"; endswith; pkt_data; "
	          "content:\"raw\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 3 && list_of(r, det_buffer_named("http.uri")) != NULL &&
	               list_of(r, det_buffer_named("http.host")) != NULL && list_of(r, DET_BUF_PAYLOAD) != NULL,
	           "sticky buffers and pkt_data");
	UNIT_CHECK(r != NULL && r->app_proto == APP_HTTP, "app_proto implied by http buffers");
	UNIT_CHECK(r != NULL && r->lists[0].buffer == det_buffer_named("http.uri"), "lists in order of use");
	UNIT_CHECK(r != NULL && r->fp_list == 0, "app buffer preferred for fast pattern");
	det_rule_free(r);

	/* old-style modifiers move the content, with its modifiers */
	r = parse(
	    "alert tcp any any -> any any (content:\"POST\"; http_method; content:\"/x\"; "
	    "nocase; http_uri; content:\"b\"; distance:0; http_uri; content:\"tail\"; sid:1;)");
	l = list_of(r, det_buffer_named("http.uri"));
	UNIT_CHECK(l != NULL && l->n == 2 && pat_is(&l->items[0], "/x", 2) &&
	               (l->items[0].u.content.flags & DET_C_NOCASE) &&
	               (l->items[1].u.content.flags & DET_C_DISTANCE),
	           "http_uri moves contents and their modifiers");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && l->n == 1 && pat_is(&l->items[0], "tail", 4),
	           "payload keeps the rest");
	UNIT_CHECK(list_of(r, det_buffer_named("http.method")) != NULL, "http_method list");
	/* method has the lowest rank: uri wins even though "POST" and "tail" are longer */
	UNIT_CHECK(r != NULL && r->lists[r->fp_list].buffer == det_buffer_named("http.uri"),
	           "fast pattern prefers http.uri over payload and method");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (content:\"GET\"; http_method; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->lists[0].buffer == det_buffer_named("http.method"),
	           "a payload list emptied by a modifier is dropped");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (uricontent:\"/cgi-bin/\"; sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("http.uri")) != NULL && r->app_proto == APP_HTTP,
	           "uricontent is http.uri");
	det_rule_free(r);

	r = parse("alert http any any -> any any (flow:to_client; http.header; content:\"X\"; "
	          "sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("@http.response_header")) != NULL &&
	               list_of(r, det_buffer_named("http.header")) == NULL,
	           "http.header in a to_client rule is the response header");
	det_rule_free(r);
	r = parse("alert http any any -> any any (flow:from_server; content:\"X\"; http_header; "
	          "sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("@http.response_header")) != NULL, "from_server too");
	det_rule_free(r);
	r = parse("alert http any any -> any any (flow:to_server; file.data; content:\"MZ\"; "
	          "sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("http.request_body")) != NULL, "file.data to_server: request body");
	det_rule_free(r);
	/* with a file keyword, file.data is the file messages' own buffer (their data) */
	r = parse("alert http any any -> any any (filename:\"a.exe\"; file.data; content:\"MZ\"; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->kw_file &&
	               det_buffer(r->lists[0].buffer)->msg_kind == APP_MSG_FILE &&
	               strcmp(det_buffer(r->lists[0].buffer)->name, "file.data") == 0,
	           "filename with file.data: the file's data buffer");
	det_rule_free(r);
	r = parse("alert http any any -> any any (flow:to_server; file_data; content:\"MZ\"; "
	          "filesize:>10; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 &&
	               det_buffer(r->lists[0].buffer)->msg_kind == APP_MSG_FILE,
	           "file_data before filesize, to_server: the file's data buffer");
	det_rule_free(r);
	r = parse("alert http any any -> any any (file_data; content:\"MZ\"; sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("http.response_body")) != NULL, "file_data: response body");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.response_body; content:\"a\"; file.data; "
	          "content:\"b\"; sid:1;)");
	l = list_of(r, det_buffer_named("http.response_body"));
	UNIT_CHECK(r != NULL && r->nlists == 1 && l != NULL && l->n == 2,
	           "lists on the same buffer are merged");
	det_rule_free(r);

	r = parse("alert dns any any -> any any (dns.query; content:\"evil\"; nocase; "
	          "bsize:<20; sid:1;)");
	l = list_of(r, det_buffer_named("dns.query"));
	UNIT_CHECK(l != NULL && l->n == 2 && l->items[1].kind == DET_ITEM_BSIZE &&
	               l->items[1].u.bsize.lo == 0 && l->items[1].u.bsize.hi == 19,
	           "dns.query with bsize");
	det_rule_free(r);
	r = parse("alert udp any any -> any 53 (dns_query; content:\"x\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_DNS, "udp + dns.query implies dns");
	det_rule_free(r);

	r = parse("alert tls any any -> any any (tls.sni; content:\"a\"; tls.cert_subject; "
	          "content:\"b\"; tls.cert_issuer; content:\"c\"; tls.cert_serial; content:\"d\"; "
	          "tls.cert_fingerprint; content:\"e\"; ja3.hash; content:\"f\"; ja3.string; "
	          "content:\"g\"; ja3s.hash; content:\"h\"; ja3s.string; content:\"i\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 9, "all tls buffers");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri.raw; content:\"a\"; http.method; "
	          "content:\"b\"; http.user_agent; content:\"c\"; http.cookie; content:\"d\"; "
	          "http.content_type; content:\"e\"; http.request_body; content:\"f\"; "
	          "http.stat_code; content:\"200\"; http.stat_msg; content:\"OK\"; http.protocol; "
	          "content:\"HTTP/1.1\"; http.header; content:\"g\"; file.name; "
	          "content:\".exe\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 11, "all http buffers");
	det_rule_free(r);

	check_fail("alert dns any any -> any any (tls.sni; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "tls.sni: rule protocol is dns");
	check_fail("alert udp any any -> any any (http.uri; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "http.uri: rule protocol is udp");
	check_fail("alert tcp any any -> any any (http.uri; content:\"a\"; tls.sni; "
	           "content:\"b\"; sid:1;)",
	           SW_E_INVAL, "tls.sni: a rule cannot mix http and tls buffers");
	check_unsupp("alert smtp any any -> any any (file.data; content:\"a\"; sid:1;)",
	             "http.response_body");
	check_fail("alert tcp any any -> any any (http.host; content:\"a\"; http_uri; sid:1;)",
	           SW_E_INVAL, "http_uri: the content is already in http.host");
	check_fail("alert tcp any any -> any any (http_uri; sid:1;)", SW_E_INVAL,
	           "http_uri: no content before it");
	check_fail("alert tcp any any -> any any (content:\"a\"; bsize:10; sid:1;)", SW_E_INVAL,
	           "bsize: needs a sticky buffer before it");
	check_fail("alert tcp any any -> any any (http.uri:x; sid:1;)", SW_E_INVAL,
	           "http.uri: takes no value");
}

/* ---- pcre, byte_*, isdataat, sizes -------------------------------------------------------------
 */

/* The HTTP buffers, transforms, urilen and app-layer-event of issue 14, in the forms ET writes
 * them (docs.suricata.io "HTTP Keywords", "Transformations"). */
static void
test_http14(void)
{
	struct det_rule *r;
	const struct det_list *l;
	static const char *const bufs[][2] = {
	    {"http.header_names; content:\"|0d 0a|Host|0d 0a|\"; content:!\"Accept\"", "http.header_names"},
	    {"http_header_names; content:\"|0d 0a|Host|0d 0a|\"", "http.header_names"},
	    {"http.request_line; content:\"GET / HTTP/1.1\"; bsize:14", "http.request_line"},
	    {"http_request_line; content:\"POST \"; startswith", "http.request_line"},
	    {"http.start; content:\"HTTP/1.1|0d 0a|User-Agent\"", "http.start"},
	    {"http.header.raw; content:\"Accept|3a 20|\"", "http.header.raw"},
	    {"content:\"Accept|3a 20|\"; http_raw_header", "http.header.raw"},
	    {"http.referer; content:\"http://\"; startswith", "http.referer"},
	    {"http.accept; content:\"*/*\"; bsize:3", "http.accept"},
	    {"http.accept_enc; content:\"gzip\"", "http.accept_enc"},
	    {"http.accept_lang; content:\"en-us\"", "http.accept_lang"},
	    {"http.connection; content:\"close\"", "http.connection"},
	    {"http.content_len; byte_test:0,>=,8079,0,string,dec", "http.content_len"},
	    {"flow:to_client; http.server; content:\"nginx\"", "http.server"},
	    {"flow:to_client; http.location; content:\".exe\"; endswith", "http.location"},
	    {"flow:to_client; http.response_line; content:\"HTTP/1.0 200 OK\"", "http.response_line"},
	    {"flow:to_client; http.start; content:\"200\"", "@http.response_start"},
	    {"flow:to_client; http.header_names; content:\"|0d 0a|Server\"", "@http.response_header_names"},
	    {"flow:to_client; http.header.raw; content:\"Server\"", "@http.response_header.raw"},
	    {"flow:to_client; http.content_len; content:\"0\"", "@http.response_content_len"},
	    {"http.stat_code; content:\"200\"; http.content_len; content:\"5\"", "@http.response_content_len"},
	    {"flow:to_server; http.content_type; content:\"form\"", "@http.request_content_type"},
	    {"http.method; content:\"POST\"; http.content_type; content:\"form\"", "@http.request_content_type"},
	    {"http.content_type; content:\"text/html\"", "http.content_type"},
	    {"flow:to_client; http.response_body; pcre:\"/MZ/Q\"", "http.response_body"},
	    {"flow:to_server; http.request_body; content:\"a=\"", "http.request_body"},
	};
	char rule[600], name[200];

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		snprintf(rule, sizeof(rule), "alert http any any -> any any (%s; sid:1;)", bufs[i][0]);
		r = parse(rule);
		snprintf(name, sizeof(name), "%s: buffer %s", bufs[i][0], bufs[i][1]);
		UNIT_CHECK(r != NULL && r->nlists >= 1 &&
		               list_of(r, det_buffer_named(bufs[i][1])) != NULL &&
		               list_of(r, DET_BUF_PAYLOAD) == NULL,
		           name);
		if (r == NULL)
			printf("#   rc %d: %s\n", last_rc, perr.reason);
		det_rule_free(r);
	}
	r = parse("alert http any any -> any any (http.content_len; byte_test:0,>=,8079,0,string,dec; "
	          "sid:1;)");
	l = list_of(r, det_buffer_named("http.content_len"));
	UNIT_CHECK(l != NULL && l->n == 1 && l->items[0].u.byte.nbytes == 0 &&
	               (l->items[0].u.byte.flags & DET_BYTE_STRING),
	           "byte_test count 0 with string: the digits there are");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (content:\"x\"; byte_test:0,=,1,0; sid:1;)",
	           SW_E_INVAL, "byte_test: a byte count of 0 needs string");
	check_fail("alert tcp any any -> any any (content:\"x\"; byte_jump:0,0; sid:1;)",
	           SW_E_INVAL, "byte_jump: a byte count of 0 needs string");
	check_ok("alert tcp any any -> any any (content:\"x\"; byte_jump:0,0,relative,string,dec; "
	         "sid:1;)");

	/* transforms: a list of their own, the fast pattern from the raw buffer when it must hold
	 * the content */
	r = parse("alert dns any any -> any any (msg:\"ET DNS Query to evil\"; dns.query; dotprefix; "
	          "content:\".evil.example\"; endswith; fast_pattern; sid:1;)");
	l = r != NULL && r->fp_list >= 0 ? &r->lists[r->fp_list] : NULL;
	UNIT_CHECK(l != NULL && l->nxf == 1 && l->xf[0].kind == DET_XF_DOTPREFIX &&
	               l->buffer == det_buffer_named("dns.query") &&
	               (l->items[0].u.content.flags & DET_C_FAST_CHOP) &&
	               l->items[0].u.content.fp_off == 1 && l->items[0].u.content.fp_len == 12,
	           "dotprefix: '.evil.example' looked for as 'evil.example' in dns.query");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri; content:\"/a\"; http.uri; to_lowercase; "
	          "content:\"/admin.php\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 && r->lists[0].nxf == 0 && r->lists[1].nxf == 1 &&
	               r->fp_list == 1 &&
	               (r->lists[1].items[0].u.content.flags & DET_C_FAST_NOCASE),
	           "to_lowercase: a second http.uri list, its content looked for caseless");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri; strip_whitespace; compress_whitespace; "
	          "url_decode; to_sha256; content:\"|00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
	          "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f|\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->lists[0].nxf == 4 &&
	               r->lists[0].xf[3].kind == DET_XF_TO_SHA256 && r->fp_list < 0,
	           "four transforms in order; no fast pattern through a hash");
	det_rule_free(r);
	check_ok("alert http any any -> any any (http.header; header_lowercase; "
	         "strip_pseudo_headers; content:\"user-agent: \"; sid:1;)");
	check_ok("alert http any any -> any any (http.uri; pcrexform:\"[a-c]+(\\d+)\"; "
	         "content:\"123\"; sid:1;)");
	check_ok("alert http any any -> any any (http.user_agent; to_uppercase; to_md5; to_sha1; "
	         "content:\"|00|\"; sid:1;)");
	check_fail("alert tcp any any -> any any (dotprefix; content:\".a\"; sid:1;)", SW_E_INVAL,
	           "dotprefix: transforms need a sticky buffer before them");
	/* A transform after plain matches on the buffer (ET sid 2062720, shortened): the bsize stays
	 * on the plain http.header_names, the transforms open the list the content goes to. */
	r = parse("alert http1 $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; "
	          "http.header_names; bsize:22; to_lowercase; strip_pseudo_headers; "
	          "content:\"|0d 0a|host|0d 0a|connection|0d 0a 0d 0a|\"; sid:2062720; rev:4;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 && r->lists[0].buffer == r->lists[1].buffer &&
	               r->lists[0].nxf == 0 && r->lists[0].n == 1 &&
	               r->lists[0].items[0].kind == DET_ITEM_BSIZE && r->lists[1].nxf == 2 &&
	               r->lists[1].xf[0].kind == DET_XF_TO_LOWER && r->lists[1].n == 1 &&
	               r->lists[1].items[0].kind == DET_ITEM_CONTENT,
	           "bsize before to_lowercase: plain list with the bsize, transformed list with "
	           "the content");
	det_rule_free(r);
	check_fail("alert http any any -> any any (http.uri; to_lowercase; content:\"a\"; "
	           "compress_whitespace; content:\"b\"; sid:1;)",
	           SW_E_INVAL, "compress_whitespace: a transform after the matches it would change");
	check_fail("alert http any any -> any any (http.uri; pcrexform:\"abc\"; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "pcrexform: the regex has no capture group");
	check_fail("alert http any any -> any any (http.uri; pcrexform:abc; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "pcrexform: expected \"regex\"");
	check_fail("alert http any any -> any any (http.uri; dotprefix:1; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "dotprefix: takes no value");

	/* urilen: a bsize of http.uri (norm, the default) or http.uri.raw */
	r = parse("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"ET TROJAN Vundo\"; "
	          "flow:established,to_server; content:\"POST \"; depth:5; "
	          "uricontent:\"/frame.html?\"; urilen: > 80; sid:2009173; rev:2;)");
	l = list_of(r, det_buffer_named("http.uri"));
	UNIT_CHECK(l != NULL && l->n == 2 && l->items[1].kind == DET_ITEM_BSIZE &&
	               l->items[1].u.bsize.lo == 81 && l->items[1].u.bsize.hi == UINT32_MAX &&
	               list_of(r, DET_BUF_PAYLOAD) != NULL && r->lists[r->fp_list].buffer ==
	               det_buffer_named("http.uri"),
	           "urilen: > 80 with payload and uricontent (fast pattern in http.uri)");
	det_rule_free(r);
	r = parse("alert http any any -> any any (urilen:10<>20,raw; sid:1;)");
	l = list_of(r, det_buffer_named("http.uri.raw"));
	UNIT_CHECK(l != NULL && l->n == 1 && l->items[0].u.bsize.lo == 11 &&
	               l->items[0].u.bsize.hi == 19,
	           "urilen:10<>20,raw: 11..19 of http.uri.raw");
	det_rule_free(r);
	check_ok("alert http any any -> any any (urilen:<10,norm; sid:1;)");
	check_ok("alert http any any -> any any (urilen:1; sid:1;)");
	check_ok("alert http any any -> any any (urilen:!0; sid:1;)");
	check_ok("alert http any any -> any any (urilen:>=5,raw; sid:1;)");
	check_fail("alert http any any -> any any (urilen:>80,foo; sid:1;)", SW_E_INVAL,
	           "urilen: unknown option 'foo' (raw or norm)");
	check_fail("alert http any any -> any any (urilen:abc; sid:1;)", SW_E_INVAL,
	           "urilen: bad value 'abc'");
	check_fail("alert http any any -> any any (urilen:20<>10; sid:1;)", SW_E_INVAL,
	           "urilen: 20<>10 matches nothing");

	/* app-layer-event: our parsers' anomaly names */
	r = parse("alert http any any -> any any (msg:\"te and cl\"; flow:established; "
	          "app-layer-event:http.te_and_cl; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_kind == DETECT_EVENT_APP &&
	               r->event_id == app_event_find("http.te_and_cl") && r->event_id >= 0,
	           "app-layer-event:http.te_and_cl");
	det_rule_free(r);
	check_unsupp("alert http any any -> any any (app-layer-event:http.request_field_too_long; "
	             "sid:1;)",
	             "app-layer-event");
	check_unsupp("alert tcp any any -> any any (app-layer-event:"
	             "applayer_mismatch_protocol_both_directions; sid:1;)",
	             "app-layer-event");
	check_fail("alert http any any -> any any (app-layer-event:http.a, http.b; sid:1;)",
	           SW_E_INVAL, "app-layer-event: expected one event name, not 'http.a, http.b'");

	/* pcre: O, and Q after http.response_body; a '"' inside a pcre (Suricata's quoting) */
	r = parse("alert http any any -> any any (flow:to_client; http.response_body; "
	          "content:\"MZ\"; pcre:\"/^MZ.{0,200}This/QRO\"; sid:1;)");
	l = list_of(r, det_buffer_named("http.response_body"));
	UNIT_CHECK(l != NULL && l->n == 2 &&
	               l->items[1].u.pcre.flags == (DET_PCRE_RELATIVE | DET_PCRE_NOLIMIT),
	           "pcre Q after http.response_body, O");
	det_rule_free(r);
	r = parse("alert http any any -> any any (msg:\"x\"; file_data; content:\"href\"; "
	          "pcre:\"/href=\"[^\"]+\\.exe/i\"; content:\"b\"; sid:1;)");
	l = list_of(r, det_buffer_named("http.response_body"));
	UNIT_CHECK(r != NULL && l != NULL && l->n == 3 &&
	               strcmp(l->items[1].u.pcre.source, "href=\"[^\"]+\\.exe") == 0,
	           "unescaped quotes inside a pcre, as Suricata reads them");
	if (r == NULL)
		printf("#   rc %d: %s\n", last_rc, perr.reason);
	det_rule_free(r);

	/* base64_decode and base64_data (ET: content, base64_decode relative, base64_data) */
	r = parse("alert http any any -> any any (msg:\"ET b64\"; http.request_body; content:\"d=\"; "
	          "base64_decode:bytes 300, offset 1, relative; base64_data; content:\"MZ\"; "
	          "content:\"PE\"; distance:0; sid:1;)");
	l = list_of(r, det_buffer_named("http.request_body"));
	UNIT_CHECK(l != NULL && l->n == 2 && l->items[1].kind == DET_ITEM_BASE64 &&
	               l->items[1].u.b64.bytes == 300 && l->items[1].u.b64.offset == 1 &&
	               l->items[1].u.b64.relative && l->items[1].u.b64.data != NULL &&
	               l->items[1].u.b64.data->n == 2 && r->nlists == 1,
	           "base64_decode bytes, offset, relative; base64_data's two contents");
	det_rule_free(r);
	check_ok("alert tcp any any -> any any (content:\"x\"; base64_decode; base64_data; "
	         "content:\"y\"; nocase; pkt_data; content:\"z\"; sid:1;)");
	check_fail("alert tcp any any -> any any (content:\"x\"; base64_data; content:\"y\"; sid:1;)",
	           SW_E_INVAL, "base64_data: no base64_decode before it");
	check_fail("alert tcp any any -> any any (base64_decode:bytes 0; sid:1;)", SW_E_INVAL,
	           "base64_decode: bad bytes '0'");
	check_fail("alert tcp any any -> any any (base64_decode:foo; sid:1;)", SW_E_INVAL,
	           "base64_decode: unknown option 'foo'");
	check_fail("alert tcp any any -> any any (content:\"x\"; base64_decode; base64_data; "
	           "content:\"y\"; http_uri; sid:1;)",
	           SW_E_INVAL, "http_uri: the content is already in base64_data");
}

/* A transform chain on one input. */
static void
check_xform(const char *rule, const char *in, const char *want, size_t want_len, const char *name)
{
	struct det_rule *r = parse(rule);
	static uint8_t out[4096], tmp[4096];
	const uint8_t *res = NULL;
	size_t len = 0;
	void *md = pcre2_match_data_create(8, NULL);

	if (r != NULL && r->nlists > 0)
		res = det_xform_apply(&r->lists[r->nlists - 1], (const uint8_t *)in, strlen(in), out,
		                      tmp, sizeof(out), &len, md);
	UNIT_CHECK(res != NULL && len == want_len && memcmp(res, want, want_len) == 0, name);
	pcre2_match_data_free(md);
	det_rule_free(r);
}

static void
test_xform_apply(void)
{
	check_xform("alert dns any any -> any any (dns.query; dotprefix; content:\".a\"; sid:1;)",
	            "evil.example", ".evil.example", 13, "dotprefix");
	check_xform("alert http any any -> any any (http.uri; url_decode; content:\"a\"; sid:1;)",
	            "/a%41+b%zz%4", "/aA b%zz%4", 10, "url_decode: %XX and '+', the rest as is");
	check_xform("alert http any any -> any any (http.uri; compress_whitespace; content:\"a\"; "
	            "sid:1;)",
	            "a  \t b\n", "a b\n", 4, "compress_whitespace keeps a run's first byte");
	check_xform("alert http any any -> any any (http.uri; strip_whitespace; content:\"a\"; sid:1;)",
	            " a b\r\n", "ab", 2, "strip_whitespace");
	check_xform("alert http any any -> any any (http.uri; to_lowercase; to_uppercase; "
	            "content:\"A\"; sid:1;)",
	            "aBc", "ABC", 3, "to_lowercase then to_uppercase");
	check_xform("alert http any any -> any any (http.uri; pcrexform:\"id=(\\d+)\"; content:\"1\"; "
	            "sid:1;)",
	            "/x?id=123&y", "123", 3, "pcrexform: the first capture");
	check_xform("alert http any any -> any any (http.header; header_lowercase; content:\"a\"; "
	            "sid:1;)",
	            "Host: A.B\r\nUser-Agent: X\r\n", "host: A.B\r\nuser-agent: X\r\n", 26,
	            "header_lowercase: the names only");
	check_xform("alert http any any -> any any (http.header; strip_pseudo_headers; content:\"a\"; "
	            "sid:1;)",
	            ":method: GET\r\nHost: a\r\n", "Host: a\r\n", 9, "strip_pseudo_headers");
	check_xform("alert http any any -> any any (http.uri; to_sha256; content:\"a\"; sid:1;)", "abc",
	            "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
	            "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad",
	            32, "to_sha256");
}

static void
test_pcre_byte(void)
{
	struct det_rule *r;
	const struct det_list *l;

	r = parse("alert tcp any any -> any any (content:\"id=\"; pcre:\"/^[a-f0-9]{32}\\;x/Ri\"; "
	          "pcre:!\"/bad/smxAEGBO\"; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(l != NULL && l->n == 3 && l->items[1].kind == DET_ITEM_PCRE &&
	               l->items[1].u.pcre.code != NULL &&
	               l->items[1].u.pcre.flags == DET_PCRE_RELATIVE &&
	               l->items[2].u.pcre.flags ==
	                   (DET_PCRE_NEGATED | DET_PCRE_RAWBYTES | DET_PCRE_NOLIMIT) &&
	               l->items[1].u.pcre.capture_var == -1,
	           "pcre flags");
	UNIT_CHECK_STR(l != NULL && l->n == 3 ? l->items[1].u.pcre.source : "", "^[a-f0-9]{32}\\;x",
	               "pcre source kept as written");
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (pcre:\"/\\/admin\\/[^\\/]+\\.php/U\"; "
	          "pcre:\"/^Host\\x3a/Hm\"; pcre:\"/MZ/Q\"; pcre:\"/x/W\"; sid:1;)");
	UNIT_CHECK(list_of(r, det_buffer_named("http.uri")) != NULL &&
	               list_of(r, det_buffer_named("http.header")) != NULL &&
	               list_of(r, det_buffer_named("http.response_body")) != NULL &&
	               list_of(r, det_buffer_named("http.host")) != NULL && r->app_proto == APP_HTTP,
	           "pcre buffer flags U H Q W");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri; pcre:\"/a/U\"; sid:1;)");
	UNIT_CHECK(r != NULL, "U flag after http.uri is fine");
	det_rule_free(r);

	check_fail("alert tcp any any -> any any (pcre:\"/a(/\"; sid:1;)", SW_E_INVAL,
	           "pcre: compile error at offset 2: missing closing parenthesis");
	check_fail("alert tcp any any -> any any (pcre:\"/a/z\"; sid:1;)", SW_E_INVAL,
	           "pcre: unknown flag 'z'");
	check_fail("alert tcp any any -> any any (pcre:\"abc\"; sid:1;)", SW_E_INVAL,
	           "pcre: expected \"/pattern/flags\"");
	check_fail("alert tcp any any -> any any (pcre:\"/a/UH\"; sid:1;)", SW_E_INVAL,
	           "pcre: more than one buffer flag");
	check_fail("alert tcp any any -> any any (http.host; pcre:\"/a/U\"; sid:1;)", SW_E_INVAL,
	           "pcre: a buffer flag cannot be used after the sticky buffer http.host");
	check_fail("alert tcp any any -> any any (pcre:\"/a/R\"; sid:1;)", SW_E_INVAL,
	           "pcre: relative but no previous match in pkt_data");

	r = parse("alert tcp any any -> any any (content:\"|00 01|\"; byte_extract:2,0,len,"
	          "relative,little; byte_test:4,>,len,0,relative,big; byte_test:2,!&,0x8000,2; "
	          "byte_test:3,<=,100,0,string,dec; byte_jump:2,len,relative,multiplier 2,align,"
	          "post_offset -4,bitmask 0x0fff; byte_jump:1,0,from_end; content:\"x\"; "
	          "within:len; isdataat:!len,relative; sid:1;)");
	l = list_of(r, DET_BUF_PAYLOAD);
	UNIT_CHECK(r != NULL && r->nvars == 1 && l != NULL && l->n == 9, "byte_* rule parses");
	if (l != NULL && l->n == 9) {
		const struct det_byte *be = &l->items[1].u.byte, *bt = &l->items[2].u.byte,
		                      *bt2 = &l->items[3].u.byte, *bt3 = &l->items[4].u.byte,
		                      *bj = &l->items[5].u.byte, *bj2 = &l->items[6].u.byte;

		UNIT_CHECK(l->items[1].kind == DET_ITEM_BYTE_EXTRACT && be->var == 0 &&
		               be->nbytes == 2 &&
		               be->flags == (DET_BYTE_RELATIVE | DET_BYTE_LITTLE),
		           "byte_extract");
		UNIT_CHECK(bt->op == DET_OP_GT && bt->value.var == 0 && bt->nbytes == 4 &&
		               bt->flags == DET_BYTE_RELATIVE,
		           "byte_test with variable value");
		UNIT_CHECK(bt2->op == DET_OP_AND && (bt2->flags & DET_BYTE_NEGATED) &&
		               bt2->value.v == 0x8000 && bt2->offset.v == 2,
		           "byte_test !& hex value");
		UNIT_CHECK(bt3->op == DET_OP_LE && (bt3->flags & DET_BYTE_STRING) &&
		               bt3->base == 10,
		           "byte_test string dec");
		UNIT_CHECK(bj->offset.var == 0 && bj->multiplier == 2 && bj->post_offset == -4 &&
		               (bj->flags & DET_BYTE_ALIGN) && (bj->flags & DET_BYTE_BITMASK) &&
		               bj->bitmask == 0x0fff,
		           "byte_jump options");
		UNIT_CHECK(bj2->flags == DET_BYTE_FROM_END, "byte_jump from_end");
		UNIT_CHECK(l->items[7].u.content.within.var == 0, "within from a variable");
		UNIT_CHECK(l->items[8].kind == DET_ITEM_ISDATAAT &&
		               l->items[8].u.isdataat.at.var == 0 &&
		               l->items[8].u.isdataat.flags ==
		                   (DET_ISDATAAT_NEGATED | DET_ISDATAAT_RELATIVE),
		           "isdataat !var,relative");
	}
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (byte_extract:1,0,a; byte_extract:1,1,b; "
	          "byte_extract:1,2,c; byte_extract:1,3,d; byte_extract:1,4,e; byte_extract:1,5,f; "
	          "byte_extract:1,6,g; byte_extract:1,7,h; sid:1;)");
	UNIT_CHECK(r != NULL && r->nvars == 8, "eight variables");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (byte_extract:1,0,a; byte_extract:1,1,b; "
	           "byte_extract:1,2,c; byte_extract:1,3,d; byte_extract:1,4,e; "
	           "byte_extract:1,5,f; byte_extract:1,6,g; byte_extract:1,7,h; "
	           "byte_extract:1,8,i; sid:1;)",
	           SW_E_INVAL, "byte_extract: more than 8 variables");
	check_fail("alert tcp any any -> any any (byte_extract:1,0,a; byte_extract:1,0,a; sid:1;)",
	           SW_E_INVAL, "byte_extract: variable 'a' defined twice");
	check_unsupp("alert tcp any any -> any any (byte_test:4,>,1,0,dce; sid:1;)",
	             "byte_test:dce");
	check_unsupp("alert tcp any any -> any any (byte_jump:4,0,relative,dce; sid:1;)",
	             "byte_jump:dce");
	check_fail("alert tcp any any -> any any (byte_test:4,>,1; sid:1;)", SW_E_INVAL,
	           "byte_test: expected 'bytes, operator, value, offset'");
	check_fail("alert tcp any any -> any any (byte_test:4,~,1,0; sid:1;)", SW_E_INVAL,
	           "byte_test: bad operator '~'");
	check_fail("alert tcp any any -> any any (byte_test:9,>,1,0; sid:1;)", SW_E_INVAL,
	           "byte_test: more than 8 bytes without string");
	check_fail("alert tcp any any -> any any (byte_test:4,>,1,0,hex; sid:1;)", SW_E_INVAL,
	           "byte_test: hex, dec and oct need string");
	check_fail("alert tcp any any -> any any (byte_test:4,>,1,0,wat; sid:1;)", SW_E_INVAL,
	           "byte_test: unknown option 'wat'");
	/* as Suricata: a relative byte_jump, isdataat or pcre R (the last in a sticky buffer only)
	 * with no match before it counts from the buffer's start (ET: file.data; pcre:"/^../R") */
	r = parse("alert tcp any any -> any any (byte_jump:2,0,relative; sid:1;)");
	UNIT_CHECK(r != NULL && r->lists[0].n == 1 && r->lists[0].items[0].kind == DET_ITEM_BYTE_JUMP,
	           "byte_jump relative first in pkt_data");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (isdataat:10,relative; sid:1;)");
	UNIT_CHECK(r != NULL && r->lists[0].n == 1 && r->lists[0].items[0].kind == DET_ITEM_ISDATAAT,
	           "isdataat relative first in pkt_data");
	det_rule_free(r);
	r = parse("alert http any any -> any any (flow:established,from_server; http.stat_code; "
	          "content:\"200\"; file.data; pcre:\"/^(?=[a-zA-Z]*?\\d)[a-zA-Z0-9+/]{30}/R\"; sid:1;)");
	UNIT_CHECK(r != NULL, "pcre R first in file.data (ET sid 2022318)");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri; pcre:\"/^\\/a/R\"; content:\"b\"; sid:1;)");
	UNIT_CHECK(r != NULL, "pcre R first in http.uri");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (byte_jump:2,0,relative; pcre:\"/a/R\"; sid:1;)",
	           SW_E_INVAL, "pcre: relative but no previous match in pkt_data");
	check_fail("alert tcp any any -> any any (byte_jump:2,0,from_beginning,from_end; sid:1;)",
	           SW_E_INVAL, "byte_jump: from_beginning and from_end together");
	check_fail("alert tcp any any -> any any (content:\"a\"; isdataat:nope; sid:1;)",
	           SW_E_INVAL, "isdataat: unknown variable 'nope'");

	/* the header keywords ttl, window, seq, ack and sameip (Suricata 7 forms) */
	r = parse("alert tcp any any -> any any (ttl:>220; window:!0; seq:0; ack:4294967295; "
	          "sameip; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 5 && r->kws[0].kind == DET_KW_TTL &&
	               r->kws[0].num.lo == 221 && r->kws[0].num.hi == 255 &&
	               r->kws[1].kind == DET_KW_WINDOW && r->kws[1].num.negated &&
	               r->kws[2].kind == DET_KW_SEQ && r->kws[3].kind == DET_KW_ACK &&
	               r->kws[3].num.lo == 4294967295u && r->kws[4].kind == DET_KW_SAMEIP,
	           "ttl:>220; window:!0; seq:0; ack:4294967295; sameip");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (ttl:256; sid:1;)", SW_E_INVAL,
	           "ttl: bad value '256': expected N, <N, >N, <=N, >=N, !N or A<>B");
	check_fail("alert tcp any any -> any any (window:<5; sid:1;)", SW_E_INVAL,
	           "window: bad value '<5': expected [!]a number up to 65535");
	check_fail("alert tcp any any -> any any (window:65536; sid:1;)", SW_E_INVAL,
	           "window: bad value '65536': expected [!]a number up to 65535");
	check_fail("alert tcp any any -> any any (seq:!5; sid:1;)", SW_E_INVAL,
	           "seq: bad value '!5': expected a number up to 4294967295");
	check_fail("alert tcp any any -> any any (ack:1-3; sid:1;)", SW_E_INVAL,
	           "ack: bad value '1-3': expected a number up to 4294967295");
	check_fail("alert ip any any -> any any (sameip:1; sid:1;)", SW_E_INVAL,
	           "sameip: takes no value");

	r = parse("alert tcp any any -> any any (dsize:>100; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_dsize && r->dsize.lo == 101 && r->dsize.hi == UINT32_MAX,
	           "dsize >");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (dsize:10<>20; sid:1;)");
	UNIT_CHECK(r != NULL && r->dsize.lo == 11 && r->dsize.hi == 19, "dsize <> exclusive");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (dsize:!0; sid:1;)");
	UNIT_CHECK(r != NULL && r->dsize.negated && r->dsize.lo == 0, "dsize !0");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.uri; bsize:5-10; http.host; bsize:>=3; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->lists[0].items[0].u.bsize.lo == 5 &&
	               r->lists[0].items[0].u.bsize.hi == 10 &&
	               r->lists[1].items[0].u.bsize.lo == 3,
	           "bsize ranges");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (dsize:<0; sid:1;)", SW_E_INVAL,
	           "dsize: '<0' matches nothing");
	check_fail("alert tcp any any -> any any (dsize:5<>6; sid:1;)", SW_E_INVAL,
	           "dsize: 5<>6 matches nothing");
	check_fail("alert tcp any any -> any any (dsize:abc; sid:1;)", SW_E_INVAL,
	           "dsize: bad value 'abc'");
}

/* ---- flow, flowbits, flags, thresholds, events -------------------------------------------------
 */

static void
test_state(void)
{
	struct det_rule *r;

	r = parse("alert tcp any any -> any any (flow:established,to_server,only_stream; "
	          "flowbits:set,a.b&c; flowbits:isset,x|y; flowbits:isnotset,z; flowbits:unset,a; "
	          "flowbits:toggle,t; flowbits:noalert; sid:1;)");
	UNIT_CHECK(r != NULL && r->flow == (DET_FLOW_ESTABLISHED | DET_FLOW_TO_SERVER |
	                                    DET_FLOW_ONLY_STREAM),
	           "flow options");
	UNIT_CHECK(r != NULL && r->nflowbits == 5 && r->noalert, "flowbits and noalert");
	if (r != NULL && r->nflowbits == 5) {
		UNIT_CHECK(r->flowbits[0].op == DET_FB_SET && r->flowbits[0].n == 2 &&
		               !r->flowbits[0].any && strcmp(r->flowbits[0].names[0], "a.b") == 0,
		           "set a.b&c");
		UNIT_CHECK(r->flowbits[1].op == DET_FB_ISSET && r->flowbits[1].any &&
		               r->flowbits[1].n == 2,
		           "isset x|y is any-of");
		UNIT_CHECK(r->flowbits[2].op == DET_FB_ISNOTSET &&
		               r->flowbits[3].op == DET_FB_UNSET &&
		               r->flowbits[4].op == DET_FB_TOGGLE,
		           "isnotset unset toggle");
	}
	det_rule_free(r);

	r = parse("alert tcp any any -> any any (flow:from_server,not_established; sid:1;)");
	UNIT_CHECK(r != NULL && r->flow == (DET_FLOW_TO_CLIENT | DET_FLOW_NOT_ESTABLISHED),
	           "from_server is to_client");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flow:stateless,from_client,no_stream; sid:1;)");
	UNIT_CHECK(r != NULL &&
	               r->flow == (DET_FLOW_STATELESS | DET_FLOW_TO_SERVER | DET_FLOW_NO_STREAM),
	           "stateless from_client no_stream");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (flow:to_server,to_client; sid:1;)", SW_E_INVAL,
	           "flow: to_server and to_client together");
	check_fail("alert tcp any any -> any any (flow:established,stateless; sid:1;)", SW_E_INVAL,
	           "flow: established, not_established and stateless exclude each other");
	check_fail("alert tcp any any -> any any (flow:sideways; sid:1;)", SW_E_INVAL,
	           "flow: unknown option 'sideways'");
	check_fail("alert tcp any any -> any any (flowbits:set,a|b; sid:1;)", SW_E_INVAL,
	           "flowbits: '|' lists are for isset and isnotset");
	check_fail("alert tcp any any -> any any (flowbits:isset,a|b&c; sid:1;)", SW_E_INVAL,
	           "flowbits: cannot mix '|' and '&'");
	check_fail("alert tcp any any -> any any (flowbits:frob,a; sid:1;)", SW_E_INVAL,
	           "flowbits: unknown command 'frob'");
	check_fail("alert tcp any any -> any any (flowbits:set; sid:1;)", SW_E_INVAL,
	           "flowbits: 'set' needs a name");
	/* a flowbit name is anything but blanks, as Suricata 7's (e.g. its "traffic/id/NAME" and
	 * "traffic/label/NAME" bits, which EVE logs under "traffic") */
	r = parse("alert tcp any any -> any any (flowbits:set,traffic/id/web:1; sid:1;)");
	UNIT_CHECK(r != NULL && r->nflowbits == 1 &&
	               strcmp(r->flowbits[0].names[0], "traffic/id/web:1") == 0,
	           "flowbits: a name with '/' and ':'");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (flowbits:set,a b; sid:1;)", SW_E_INVAL,
	           "flowbits: bad name 'a b'");

	r = parse("alert tcp any any -> any any (flags:SA; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_flags && r->flags == (SW_TH_SYN | SW_TH_ACK) &&
	               r->flags_mode == DET_FLAGS_EXACT && r->flags_mask == 0xff,
	           "flags:SA");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:S+,CE; sid:1;)");
	UNIT_CHECK(r != NULL && r->flags == SW_TH_SYN && r->flags_mode == DET_FLAGS_ALL &&
	               r->flags_mask == (uint8_t) ~(SW_TH_CWR | SW_TH_ECE),
	           "flags:S+,CE ignore mask");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:*FPU; sid:1;)");
	UNIT_CHECK(r != NULL && r->flags_mode == DET_FLAGS_ANY &&
	               r->flags == (SW_TH_FIN | SW_TH_PSH | SW_TH_URG),
	           "flags:*FPU");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:!R; sid:1;)");
	UNIT_CHECK(r != NULL && r->flags_mode == DET_FLAGS_NOT && r->flags == SW_TH_RST,
	           "flags:!R");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:0; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_flags && r->flags == 0, "flags:0");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:S,12; sid:1;)");
	UNIT_CHECK(r != NULL && r->flags_mask == (uint8_t) ~(SW_TH_CWR | SW_TH_ECE),
	           "old names 1 and 2");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (flags:SX; sid:1;)", SW_E_INVAL,
	           "flags: unknown flag 'X'");
	check_fail("alert tcp any any -> any any (flags:0S; sid:1;)", SW_E_INVAL,
	           "flags: 0 cannot be combined with flags or modifiers");
	check_fail("alert tcp any any -> any any (flags:+*S; sid:1;)", SW_E_INVAL,
	           "flags: more than one modifier");

	r = parse("alert tcp any any -> any any (threshold: count 5, type both, seconds 60, "
	          "track by_src; detection_filter:track by_dst, count 10, seconds 30; sid:1;)");
	UNIT_CHECK(r != NULL && r->threshold.set && r->threshold.type == DET_TH_BOTH &&
	               r->threshold.track == DET_TRACK_SRC && r->threshold.count == 5 &&
	               r->threshold.seconds == 60,
	           "threshold in any order");
	UNIT_CHECK(r != NULL && r->detection_filter.set &&
	               r->detection_filter.type == DET_TH_DETECTION_FILTER &&
	               r->detection_filter.track == DET_TRACK_DST &&
	               r->detection_filter.count == 10,
	           "detection_filter");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (threshold:type limit,track by_rule,count 1,"
	          "seconds 3600; sid:1;)");
	UNIT_CHECK(r != NULL && r->threshold.type == DET_TH_LIMIT &&
	               r->threshold.track == DET_TRACK_RULE,
	           "threshold limit by_rule");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (threshold:type limit, track by_src, count 1; "
	           "sid:1;)",
	           SW_E_INVAL, "threshold: missing seconds");
	check_fail("alert tcp any any -> any any (threshold:type often, track by_src, count 1, "
	           "seconds 1; sid:1;)",
	           SW_E_INVAL, "threshold: unknown type 'often'");
	check_fail("alert tcp any any -> any any (detection_filter:type limit, track by_src, "
	           "count 1, seconds 1; sid:1;)",
	           SW_E_INVAL, "detection_filter: unexpected 'type'");

	r = parse("alert tcp any any -> any any (app-layer-protocol:!TLS; sid:1;)");
	UNIT_CHECK(r != NULL && r->alproto_negated && strcmp(r->alproto, "tls") == 0,
	           "app-layer-protocol negated");
	det_rule_free(r);

	r = parse("alert ip any any -> any any (decode-event:ipv4.trunc_pkt; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_kind == DETECT_EVENT_DECODE &&
	               r->event_id == DECODE_EV_IPV4_TRUNC,
	           "decode-event full name");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (decode-event:defrag.overlap; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_kind == DETECT_EVENT_DEFRAG &&
	               r->event_id == DEFRAG_EV_OVERLAP,
	           "decode-event defrag");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (stream-event:reassembly_seq_gap; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_kind == DETECT_EVENT_STREAM &&
	               r->event_id == STREAM_EV_GAP,
	           "stream-event without the stream. prefix");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (stream-event:stream.rst_invalid; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_id == STREAM_EV_RST_INVALID, "stream-event with prefix");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (decode-event:hlen_too_big; sid:1;)");
	UNIT_CHECK(r != NULL && r->event_id == DECODE_EV_TCP_HLEN_TOO_BIG,
	           "unique name without layer");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (decode-event:trunc_pkt; sid:1;)", SW_E_INVAL,
	           "decode-event: 'trunc_pkt' is ambiguous, name the layer");
	check_fail("alert ip any any -> any any (decode-event:ipv4.bogus; sid:1;)", SW_E_INVAL,
	           "decode-event: unknown event 'ipv4.bogus'");
	check_fail("alert ip any any -> any any (stream-event:ipv4.trunc_pkt; sid:1;)", SW_E_INVAL,
	           "stream-event: unknown event 'ipv4.trunc_pkt'");
}

/* ---- itype, icode, ip_proto, stream_size, xbits, flowint, tag, asn1, tls.version, dns.* -------- */

/* The rule's only keyword of detect_kw.c (NULL when it has not exactly one). */
static const struct det_kw *
one_kw(const struct det_rule *r)
{
	return r != NULL && r->nkws == 1 ? &r->kws[0] : NULL;
}

static void
test_kw_other(void)
{
	struct det_rule *r;
	const struct det_kw *k;

	/* ICMP type and code, as ET writes them */
	r = parse("alert icmp $EXTERNAL_NET any -> $HOME_NET any (msg:\"GPL ICMP_INFO PING\"; "
	          "itype:8; icode:0; sid:2100384; rev:6;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kw_packet && r->kws[0].kind == DET_KW_ITYPE &&
	               r->kws[0].num.lo == 8 && r->kws[0].num.hi == 8 &&
	               r->kws[1].kind == DET_KW_ICODE && r->kws[1].num.lo == 0,
	           "itype:8; icode:0");
	det_rule_free(r);
	r = parse("alert icmp any any -> any any (itype:>30; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 31 && k->num.hi == 255 && !k->num.negated,
	           "itype:>30 is 31..255");
	det_rule_free(r);
	r = parse("alert icmp any any -> any any (icode:3<>8; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 4 && k->num.hi == 7, "icode:3<>8 is exclusive");
	det_rule_free(r);
	r = parse("alert icmp any any -> any any (itype:!0; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.negated && k->num.lo == 0, "itype:!0");
	det_rule_free(r);
	r = parse("alert icmp any any -> any any (itype:<=5; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 0 && k->num.hi == 5, "itype:<=5");
	det_rule_free(r);
	check_fail("alert icmp any any -> any any (itype:echo; sid:1;)", SW_E_INVAL,
	           "itype: bad value 'echo': expected N, <N, >N, <=N, >=N, !N or A<>B");
	check_fail("alert icmp any any -> any any (itype:256; sid:1;)", SW_E_INVAL,
	           "itype: bad value '256': expected N, <N, >N, <=N, >=N, !N or A<>B");
	check_fail("alert icmp any any -> any any (icode:8<>9; sid:1;)", SW_E_INVAL,
	           "icode: bad value '8<>9': empty range: A<>B matches the values strictly "
	           "between A and B");
	check_fail("alert icmp any any -> any any (itype:<0; sid:1;)", SW_E_INVAL,
	           "itype: bad value '<0': <0 matches nothing");
	check_fail("alert icmp any any -> any any (itype; sid:1;)", SW_E_INVAL,
	           "itype: missing value");

	/* ip_proto: numbers, names, ! < > */
	r = parse("alert ip any any -> any any (msg:\"GPL MISC IP Proto 103 PIM\"; ip_proto:103; "
	          "sid:2102189; rev:4;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_IP_PROTO && k->num.lo == 103 && r->kw_packet,
	           "ip_proto:103");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ip_proto:igmp; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 2 && k->num.hi == 2, "ip_proto:igmp is 2");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ip_proto:!tcp; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 6 && k->num.negated, "ip_proto:!tcp");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ip_proto:<17; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 0 && k->num.hi == 16, "ip_proto:<17");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (ip_proto:bogus; sid:1;)", SW_E_INVAL,
	           "ip_proto: unknown protocol 'bogus'");
	check_fail("alert ip any any -> any any (ip_proto:300; sid:1;)", SW_E_INVAL,
	           "ip_proto: bad protocol '300'");

	/* stream_size */
	r = parse("alert tcp any any -> any any (msg:\"ET SCAN\"; flow:established,to_server; "
	          "stream_size:server,<,6; content:\"x\"; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_STREAM_SIZE && k->track == 0 && k->num.lo == 0 &&
	               k->num.hi == 5 && !r->kw_packet,
	           "stream_size:server,<,6");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (stream_size:either,!=,100; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->track == 3 && k->num.negated && k->num.lo == 100,
	           "stream_size:either,!=,100");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (stream_size: both, >=, 1024; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->track == 2 && k->num.lo == 1024 && k->num.hi == UINT64_MAX,
	           "stream_size with spaces");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (stream_size:client,~,5; sid:1;)", SW_E_INVAL,
	           "stream_size: unknown operator '~'");
	check_fail("alert tcp any any -> any any (stream_size:middle,<,5; sid:1;)", SW_E_INVAL,
	           "stream_size: unknown side 'middle'");
	check_fail("alert tcp any any -> any any (stream_size:client,<; sid:1;)", SW_E_INVAL,
	           "stream_size: expected '<server|client|both|either>,<op>,<number>'");
	check_fail("alert tcp any any -> any any (stream_size:client,<,x; sid:1;)", SW_E_INVAL,
	           "stream_size: bad number 'x'");

	/* xbits, as ET's "crossing the streams" rules */
	r = parse("alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET INFO set\"; "
	          "flow:established,to_server; http.uri; content:\"/a\"; "
	          "xbits:set,ET.dropsite,track ip_src,expire 3600; xbits:noalert; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_XBITS && k->op == DET_FB_SET && k->track == 0 &&
	               k->count == 3600 && strcmp(k->name, "ET.dropsite") == 0 && r->noalert,
	           "xbits:set,...,track ip_src,expire 3600 and xbits:noalert");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (xbits:isset,ET.dropsite,track ip_dst; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->op == DET_FB_ISSET && k->track == 1 && k->count == 30,
	           "xbits isset ip_dst, default expiry 30 s");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (xbits:toggle,b,track ip_pair; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->op == DET_FB_TOGGLE && k->track == 2, "xbits toggle ip_pair");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (xbits:set,x,track ip_any; sid:1;)", SW_E_INVAL,
	           "xbits: unknown track 'ip_any'");
	check_fail("alert tcp any any -> any any (xbits:isset,x,track ip_src,expire 5; sid:1;)",
	           SW_E_INVAL, "xbits: expire is for set, unset and toggle");
	check_fail("alert tcp any any -> any any (xbits:set,x; sid:1;)", SW_E_INVAL,
	           "xbits: expected '<command>,<name>,track <ip_src|ip_dst|ip_pair>"
	           "[,expire <seconds>]'");
	check_fail("alert tcp any any -> any any (xbits:frob,x,track ip_src; sid:1;)", SW_E_INVAL,
	           "xbits: unknown command 'frob'");
	check_fail("alert tcp any any -> any any (xbits:set,x,ip_src; sid:1;)", SW_E_INVAL,
	           "xbits: expected 'track <ip_src|ip_dst|ip_pair>', not 'ip_src'");
	check_fail("alert tcp any any -> any any (xbits:set,x,track ip_src,expire 0; sid:1;)",
	           SW_E_INVAL, "xbits: expected 'expire <seconds>', not 'expire 0'");
	check_unsupp("alert http any any -> any any (xbits:set,x,track tx; sid:1;)", "xbits:track tx");

	/* flowint */
	r = parse("alert tcp any any -> any any (flowint:cnt,+,1; flowint:cnt,>,5; "
	          "flowint:other,isset; flowint:cnt,==,other; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 4 && r->kws[0].kind == DET_KW_FLOWINT &&
	               r->kws[0].value == 1 && r->kws[1].value == 5 && r->kws[2].id2 < 0 &&
	               r->kws[3].id2 == 0,
	           "flowint add, compare, isset, compare with a variable");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (flowint:cnt,isset,5; sid:1;)", SW_E_INVAL,
	           "flowint: 'isset' takes no value");
	check_fail("alert tcp any any -> any any (flowint:cnt,+; sid:1;)", SW_E_INVAL,
	           "flowint: '+' needs a value");
	check_fail("alert tcp any any -> any any (flowint:cnt,*,2; sid:1;)", SW_E_INVAL,
	           "flowint: unknown operator '*'");

	/* tag */
	r = parse("alert tcp any any -> any any (content:\"x\"; tag:session; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_TAG && k->track == 0 && k->count == 256 &&
	               k->metric == 0,
	           "tag:session: 256 packets");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (content:\"x\"; tag:host,60,seconds,src; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->track == 1 && k->count == 60 && k->metric == 1,
	           "tag:host,60,seconds,src");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (content:\"x\"; tag:host; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->track == 2 && k->count == 256, "tag:host: the destination");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (tag:session,10,packets,src; sid:1;)", SW_E_INVAL,
	           "tag: a direction is only for host tags, not 'src'");
	check_fail("alert tcp any any -> any any (tag:session,10; sid:1;)", SW_E_INVAL,
	           "tag: expected '<session|host>[,<count>,<metric>[,<src|dst>]]'");
	check_fail("alert tcp any any -> any any (tag:flow,10,packets; sid:1;)", SW_E_INVAL,
	           "tag: unknown scope 'flow'");
	check_fail("alert tcp any any -> any any (tag:session,10,frames; sid:1;)", SW_E_INVAL,
	           "tag: unknown metric 'frames'");

	/* asn1 */
	r = parse("alert tcp any any -> any any (content:\"|30|\"; asn1:bitstring_overflow, "
	          "double_overflow, oversize_length 1024, relative_offset 4; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_ASN1 && k->flags == 0x17 && k->count == 1024 &&
	               k->offset == 4,
	           "asn1 with every check and relative_offset");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (asn1:absolute_offset 0; sid:1;)", SW_E_INVAL,
	           "asn1: no check (bitstring_overflow, double_overflow or oversize_length)");
	check_fail("alert tcp any any -> any any (asn1:oversize_length; sid:1;)", SW_E_INVAL,
	           "asn1: oversize_length needs a number, not ''");
	check_fail("alert tcp any any -> any any (asn1:bitstring_overflow,absolute_offset -1; "
	           "sid:1;)",
	           SW_E_INVAL, "asn1: bad offset '-1'");
	check_fail("alert tcp any any -> any any (asn1:overflow; sid:1;)", SW_E_INVAL,
	           "asn1: unknown option 'overflow'");

	/* tls.version, dns.opcode, dns.rrtype: app keywords, on their protocol's messages */
	r = parse("alert tls any any -> any any (msg:\"ET POLICY TLS 1.0\"; tls.version:1.0; "
	          "sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_TLS_VERSION && k->num.lo == 0x0301 &&
	               r->app_proto == APP_TLS,
	           "tls.version:1.0");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (tls.version:0x0303; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 0x0303 && r->app_proto == APP_TLS,
	           "tls.version:0x0303 makes a TLS rule");
	det_rule_free(r);
	check_fail("alert tls any any -> any any (tls.version:9; sid:1;)", SW_E_INVAL,
	           "tls.version: unknown version '9' (1.0, 1.1, 1.2, 1.3, ssl3 or 0xNNNN)");
	r = parse("alert dns any any -> any any (dns.opcode:!0; dns.rrtype:16; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kws[0].kind == DET_KW_DNS_OPCODE &&
	               r->kws[0].num.negated && r->kws[1].kind == DET_KW_DNS_RRTYPE &&
	               r->kws[1].num.lo == 16 && r->app_proto == APP_DNS,
	           "dns.opcode:!0; dns.rrtype:16");
	det_rule_free(r);
	check_fail("alert dns any any -> any any (dns.opcode:16; sid:1;)", SW_E_INVAL,
	           "dns.opcode: bad value '16': expected N, <N, >N, <=N, >=N, !N or A<>B");

	/* ftpbounce, flow:no_frag/only_frag, threshold by_flow */
	r = parse("alert tcp $EXTERNAL_NET any -> $HOME_NET 21 (msg:\"GPL FTP PORT bounce "
	          "attempt\"; flow:to_server,established; content:\"PORT\"; nocase; ftpbounce; "
	          "pcre:\"/^PORT/smi\"; classtype:attempted-recon; sid:2103441; rev:4;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_FTPBOUNCE, "ftpbounce as ET writes it");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (ftpbounce:1; sid:1;)", SW_E_INVAL,
	           "ftpbounce: takes no value");
	r = parse("alert tcp any any -> any any (flow:established,no_frag; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_FRAG && k->flags == 1 &&
	               r->flow == DET_FLOW_ESTABLISHED && r->kw_packet,
	           "flow:no_frag");
	det_rule_free(r);
	r = parse("alert udp any any -> any any (flow:only_frag; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->flags == 2, "flow:only_frag");
	det_rule_free(r);
	/* legacy TLS keywords */
	r = parse("alert tls $EXTERNAL_NET any -> $HOME_NET any (msg:\"ET POLICY\"; "
	          "tls.subject:\"CN=*.googleusercontent.com\"; tls.issuerdn:!\"CN=Google\"; "
	          "tls.fingerprint:\"7D:02:3E:2B:A3:35:51:54:86:EC:90:2C:EA:FC:E4:C9:7E:00:84:BE\"; "
	          "tls_cert_notbefore:<2015-10-22; tls_cert_notafter:2030<>2035; tls_cert_expired; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 6 && r->kws[0].kind == DET_KW_TLS_SUBJECT &&
	               strcmp(r->kws[0].name, "CN=*.googleusercontent.com") == 0 &&
	               r->kws[1].kind == DET_KW_TLS_ISSUER && r->kws[1].negated &&
	               strcmp(r->kws[2].name,
	                      "7d:02:3e:2b:a3:35:51:54:86:ec:90:2c:ea:fc:e4:c9:7e:00:84:be") == 0 &&
	               r->kws[3].kind == DET_KW_TLS_NOTBEFORE && r->kws[3].num.hi == 1445471999 &&
	               r->kws[4].num.lo == 1893456001 && r->kws[5].kind == DET_KW_TLS_EXPIRED,
	           "tls.subject, issuerdn, fingerprint, cert dates, expired");
	det_rule_free(r);
	r = parse("alert tls any any -> any any (tls_cert_notbefore:2024; tls_cert_valid; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kws[0].num.lo == 1704067200 &&
	               r->kws[0].num.hi == 1735689599 && r->kws[1].kind == DET_KW_TLS_VALID,
	           "a year is the whole year");
	det_rule_free(r);
	check_fail("alert tls any any -> any any (tls.fingerprint:\"7d:02\"; sid:1;)", SW_E_INVAL,
	           "tls.fingerprint: expected a SHA-1 as 20 hex pairs 'aa:bb:...', not '7d:02'");
	check_fail("alert tls any any -> any any (tls.subject:\"\"; sid:1;)", SW_E_INVAL,
	           "tls.subject: empty value");
	check_fail("alert tls any any -> any any (tls_cert_notafter:>2015-13; sid:1;)", SW_E_INVAL,
	           "tls_cert_notafter: bad date '2015-13' (YYYY[-MM[-DD[THH:MM:SS]]])");
	check_fail("alert tls any any -> any any (tls_cert_notafter:2016<>2015; sid:1;)", SW_E_INVAL,
	           "tls_cert_notafter: expected DATE<>DATE with the first before the second");
	check_fail("alert tls any any -> any any (tls_cert_valid:1; sid:1;)", SW_E_INVAL,
	           "tls_cert_valid: takes no value");

	r = parse("alert tcp any any -> any any (threshold:type limit, track by_flow, count 1, "
	          "seconds 60; detection_filter:track by_flow, count 3, seconds 10; sid:1;)");
	UNIT_CHECK(r != NULL && r->threshold.track == DET_TRACK_FLOW &&
	               r->detection_filter.track == DET_TRACK_FLOW,
	           "threshold and detection_filter by_flow");
	det_rule_free(r);
}

/* ---- detect_hdr.c: ttl, tos, id, ipopts, fragbits, fragoffset, sameip, seq, ack, window, ------
 * ---- tcp.mss, tcp.flags, icmp_id, icmp_seq ------------------------------------------------- */

/* An Ethernet + IPv4 packet with IHL words of header (options after the 20 bytes) and
 * flags/offset word off, then 20 bytes of TCP with doff words (MSS 1460 when doff is 6). */
static void
hdr_packet(struct sw_packet *p, uint8_t *b, uint8_t ihl, uint16_t off, uint8_t doff)
{
	size_t l3 = 14, l4 = l3 + (size_t)ihl * 4;

	memset(p, 0, sizeof(*p));
	memset(b, 0, 128);
	b[l3] = (uint8_t)(0x40 | ihl);
	b[l3 + 1] = 0x10;                /* tos */
	b[l3 + 4] = 0x12;                /* id 0x1234 */
	b[l3 + 5] = 0x34;
	b[l3 + 6] = (uint8_t)(off >> 8); /* flags and offset */
	b[l3 + 7] = (uint8_t)off;
	b[l3 + 8] = 9;                   /* ttl */
	b[l4 + 12] = (uint8_t)(doff << 4);
	if (doff == 6) {
		b[l4 + 20] = 2;
		b[l4 + 21] = 4;
		b[l4 + 22] = 0x05;
		b[l4 + 23] = 0xb4;
	}
	p->data = b;
	p->caplen = (uint32_t)(l4 + (size_t)doff * 4);
	p->family = 4;
	p->proto = 6;
	p->ttl = 9;
	p->flags = SW_PKT_IP | SW_PKT_L4;
	p->l3_off = (uint32_t)l3;
	p->l4_off = (uint32_t)l4;
	p->tcp_seq = 100;
	p->tcp_win = 512;
	p->src.b[15] = 1;
	p->dst.b[15] = 2;
}

/* Whether the rule's first keyword matches p. */
static bool
hdr_ok(const char *opts, const struct sw_packet *p)
{
	char text[256];
	struct det_rule *r;
	bool ok;

	snprintf(text, sizeof(text), "alert ip any any -> any any (%s sid:1;)", opts);
	r = parse(text);
	if (r == NULL || r->nkws != 1) {
		printf("# %s: rc %d %s\n", text, last_rc, perr.reason);
		det_rule_free(r);
		return false;
	}
	ok = det_hdr_match(&r->kws[0], p);
	det_rule_free(r);
	return ok;
}

static void
test_hdr_kw(void)
{
	struct det_rule *r;
	const struct det_kw *k;
	struct sw_packet p;
	uint8_t b[128];

	r = parse("alert ip $EXTERNAL_NET any -> $HOME_NET any (msg:\"GPL MISC 0 ttl\"; ttl:0; "
	          "sid:2101321; rev:9;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_TTL && k->num.lo == 0 && k->num.hi == 0 &&
	               r->kw_packet,
	           "ttl:0 (ET)");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ttl:3-5; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->num.lo == 4 && k->num.hi == 4, "ttl:3-5 is exclusive: 4");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (tos:!0x10; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_TOS && k->num.negated && k->num.lo == 16,
	           "tos:!0x10");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ipopts:lsrr; sid:2100500;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_IPOPTS && k->count == 0x83, "ipopts:lsrr");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (fragbits:+MD; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_FRAGBITS && k->op == '+' && k->flags == 0x60,
	           "fragbits:+MD");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (sameip; sid:2100527;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_SAMEIP, "sameip");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (flags:S; tcp.mss:<536; seq:0; ack:\"0\"; "
	          "window:!1024; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_flags && r->nkws == 4 && r->kws[0].kind == DET_KW_TCP_MSS &&
	               r->kws[0].num.hi == 535 && r->kws[2].kind == DET_KW_ACK &&
	               r->kws[3].num.negated && r->kws[3].num.lo == 1024,
	           "tcp.mss, seq, ack (quoted), window");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (tcp.flags:SA,12; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_flags && r->flags == 0x12, "tcp.flags is flags");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (tcp.flags:S; flags:A; sid:1;)", SW_E_INVAL,
	           "flags: set twice");
	check_fail("alert ip any any -> any any (ttl:256; sid:1;)", SW_E_INVAL,
	           "ttl: bad value '256': expected N, <N, >N, <=N, >=N, !N or A<>B");
	check_fail("alert ip any any -> any any (tos:256; sid:1;)", SW_E_INVAL,
	           "tos: bad value '256': expected [!]a number up to 255");
	check_fail("alert ip any any -> any any (ipopts:qs; sid:1;)", SW_E_INVAL,
	           "ipopts: unknown option 'qs' (rr, eol, nop, ts, sec, esec, lsrr, ssrr, satid, "
	           "any)");
	check_fail("alert ip any any -> any any (fragbits:XM; sid:1;)", SW_E_INVAL,
	           "fragbits: unknown bit 'X' (M, D or R)");
	r = parse("alert ip any any -> any any (fragbits:M+; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->op == 0 && k->flags == 0x20,
	           "fragbits:M+ is an exact M, as Suricata 7 reads it");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (fragbits:+; sid:1;)", SW_E_INVAL,
	           "fragbits: expected [+*!] and some of M, D, R");
	check_fail("alert ip any any -> any any (sameip:1; sid:1;)", SW_E_INVAL,
	           "sameip: takes no value");
	check_fail("alert tcp any any -> any any (seq:!5; sid:1;)", SW_E_INVAL,
	           "seq: bad value '!5': expected a number up to 4294967295");
	check_fail("alert icmp any any -> any any (icmp_id:65536; sid:1;)", SW_E_INVAL,
	           "icmp_id: bad value '65536': expected a number up to 65535");
	check_fail("alert ip any any -> any any (ttl; sid:1;)", SW_E_INVAL, "ttl: missing value");

	/* matching on packets made here, fragments included (the engine sees them too, through
	 * detect_fragment: tests/detect/keywords/frag.rules) */
	hdr_packet(&p, b, 5, 0x2000 | 0x0003, 5); /* MF, offset 3 (24 bytes) */
	UNIT_CHECK(hdr_ok("fragbits:M;", &p) && !hdr_ok("fragbits:D;", &p) &&
	               hdr_ok("fragbits:*MD;", &p) && !hdr_ok("fragbits:+M;", &p) &&
	               hdr_ok("fragbits:!D;", &p) && !hdr_ok("fragbits:!M;", &p),
	           "fragbits on MF");
	UNIT_CHECK(hdr_ok("fragoffset:3;", &p) && hdr_ok("fragoffset:>0;", &p) &&
	               !hdr_ok("fragoffset:0;", &p) && hdr_ok("fragoffset:!0;", &p) &&
	               !hdr_ok("fragoffset:<3;", &p),
	           "fragoffset in 8-byte units (IPv4)");
	UNIT_CHECK(hdr_ok("ttl:9;", &p) && hdr_ok("ttl:<10;", &p) && !hdr_ok("ttl:>9;", &p) &&
	               hdr_ok("tos:16;", &p) && !hdr_ok("tos:!16;", &p) && hdr_ok("id:4660;", &p) &&
	               !hdr_ok("sameip;", &p),
	           "ttl, tos, id");
	UNIT_CHECK(!hdr_ok("tcp.mss:1460;", &p) && !hdr_ok("tcp.mss:>0;", &p) &&
	               hdr_ok("seq:100;", &p) && hdr_ok("window:512;", &p) &&
	               !hdr_ok("window:!512;", &p),
	           "tcp.mss needs the option; seq, window");
	hdr_packet(&p, b, 5, 0x8000 | 0x4000, 6); /* R and DF; MSS 1460 */
	UNIT_CHECK(hdr_ok("fragbits:RD;", &p) && hdr_ok("fragbits:+R;", &p) &&
	               !hdr_ok("fragbits:+RD;", &p) && hdr_ok("fragbits:!M;", &p) &&
	               hdr_ok("tcp.mss:1460;", &p) && hdr_ok("tcp.mss:1400-1500;", &p),
	           "fragbits R D, tcp.mss");
	p.caplen -= 2; /* the MSS option cut short */
	UNIT_CHECK(!hdr_ok("tcp.mss:1460;", &p), "a truncated MSS option is no MSS");
	/* options: NOP, then timestamp (len 4), then EOL; a bad length ends the walk */
	hdr_packet(&p, b, 7, 0, 5);
	b[34] = 1;
	b[35] = 0x44;
	b[36] = 4;
	b[39] = 0;
	UNIT_CHECK(hdr_ok("ipopts:nop;", &p) && hdr_ok("ipopts:ts;", &p) &&
	               hdr_ok("ipopts:any;", &p) && !hdr_ok("ipopts:rr;", &p) &&
	               hdr_ok("ipopts:eol;", &p),
	           "ipopts nop, ts, eol, any");
	b[36] = 40; /* the timestamp option runs past the header */
	UNIT_CHECK(hdr_ok("ipopts:ts;", &p) && !hdr_ok("ipopts:eol;", &p),
	           "a malformed option ends the walk");
	hdr_packet(&p, b, 5, 0, 5);
	UNIT_CHECK(!hdr_ok("ipopts:any;", &p), "no options: not any");
	p.dst = p.src;
	UNIT_CHECK(hdr_ok("sameip;", &p), "sameip");
	/* ICMP echo: id 7, seq 9; a port unreachable is not read */
	hdr_packet(&p, b, 5, 0, 5);
	p.proto = 1;
	p.icmp_type = 8;
	b[34] = 8;
	b[39] = 7;
	b[41] = 9;
	UNIT_CHECK(hdr_ok("icmp_id:7;", &p) && hdr_ok("icmp_seq:9;", &p) &&
	               !hdr_ok("icmp_seq:7;", &p) && !hdr_ok("seq:100;", &p),
	           "icmp_id, icmp_seq on an echo request; seq needs TCP");
	p.icmp_type = 3;
	UNIT_CHECK(!hdr_ok("icmp_id:7;", &p), "icmp_id: not on a port unreachable");
	/* IPv6: ttl is the hop limit; tos, id, fragbits are IPv4's */
	p.family = 6;
	UNIT_CHECK(hdr_ok("ttl:9;", &p) && !hdr_ok("tos:16;", &p) && !hdr_ok("id:4660;", &p) &&
	               !hdr_ok("fragbits:!M;", &p) && !hdr_ok("fragoffset:0;", &p),
	           "IPv6: ttl only");
	p.frag_hdr_off = 40; /* an atomic fragment: a fragment header, offset 0, no SW_PKT_FRAG */
	UNIT_CHECK(hdr_ok("fragoffset:0;", &p) && !hdr_ok("fragoffset:>0;", &p),
	           "IPv6 atomic fragment: fragoffset reads its header (Suricata 7)");
	p.flags |= SW_PKT_FRAG;
	p.frag_offset = 16;
	UNIT_CHECK(hdr_ok("fragoffset:16;", &p), "IPv6 fragment offset in bytes (Suricata 7)");

	/* flow.age (detect_kw.c) */
	r = parse("alert ip any any -> any any (flow.age:>=3600; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_FLOW_AGE && k->num.lo == 3600 &&
	               k->num.hi == UINT32_MAX && r->kw_packet,
	           "flow.age:>=3600");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (flow.age:old; sid:1;)", SW_E_INVAL,
	           "flow.age: bad value 'old': expected N, <N, >N, <=N, >=N, !N or A<>B");
}

/* ---- prefilter, requires, config (Suricata 7) ------------------------------------------------ */

static void
test_meta7(void)
{
	struct det_rule *r;
	char why[160];

	/* prefilter after a content is fast_pattern; after another keyword it changes nothing */
	r = parse("alert tcp any any -> any any (content:\"aaaa\"; content:\"bb\"; nocase; prefilter; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->lists[0].n == 2 &&
	               !(r->lists[0].items[0].u.content.flags & DET_C_FAST) &&
	               (r->lists[0].items[1].u.content.flags & DET_C_FAST),
	           "prefilter after content (and nocase) is its fast_pattern");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (content:\"aaaa\"; flags:S; prefilter; sid:1;)");
	UNIT_CHECK(r != NULL && r->has_flags && !(r->lists[0].items[0].u.content.flags & DET_C_FAST),
	           "prefilter after flags: accepted, no fast_pattern");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (prefilter; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "prefilter: needs a match before it");
	check_fail("alert tcp any any -> any any (content:\"a\"; fast_pattern; prefilter; sid:1;)",
	           SW_E_INVAL, "prefilter: can be used on only one content");

	/* requires, evaluated as Suricata 7.0.17 */
	UNIT_CHECK(det_requires_eval("version >= 7.0.3", why, sizeof(why)) == 1, ">= 7.0.3 met");
	UNIT_CHECK(det_requires_eval("version >= 7.0.3 < 8", why, sizeof(why)) == 1,
	           ">= 7.0.3 < 8 met");
	UNIT_CHECK(det_requires_eval("version >= 8", why, sizeof(why)) == 0, ">= 8 not met");
	UNIT_CHECK_STR(why,
	               "requires: version >= 8 is not met (rules are read as Suricata 7.0.17's)",
	               "  why");
	UNIT_CHECK(det_requires_eval("version >= 8.0.3 | >= 7.0.10 < 8", why, sizeof(why)) == 1,
	           "alternatives: the second holds");
	UNIT_CHECK(det_requires_eval("version >= 7.0.18", why, sizeof(why)) == 0, "7.0.18 is newer");
	UNIT_CHECK(det_requires_eval("version = 7.0.17, feature ja3", why, sizeof(why)) == 1,
	           "= 7.0.17 and feature ja3");
	UNIT_CHECK(det_requires_eval("feature geoip, version >= 7.0.0", why, sizeof(why)) == 0,
	           "feature geoip not provided");
	UNIT_CHECK_STR(why, "requires: feature 'geoip' is not provided", "  why");
	UNIT_CHECK(det_requires_eval("version => 7", why, sizeof(why)) == -1 &&
	               det_requires_eval("version >= 7 |", why, sizeof(why)) == -1 &&
	               det_requires_eval("keyword foo", why, sizeof(why)) == -1 &&
	               det_requires_eval("version", why, sizeof(why)) == -1,
	           "malformed requires");
	r = parse("alert tcp any any -> any any (content:\"a\"; requires: version >= 7.0.3; sid:1;)");
	UNIT_CHECK(r != NULL, "requires met: the rule loads");
	det_rule_free(r);
	/* not met: skipped before parsing, so a keyword we do not know does not fail it */
	check_unsupp("alert tcp any any -> any any (msg:\"a;b\"; requires: version >= 8; "
	             "some.future_kw; sid:1;)",
	             "requires");
	check_fail("alert tcp any any -> any any (content:\"a\"; requires: version >= x; sid:1;)",
	           SW_E_INVAL, "requires: bad version expression '>= x'");

	/* config: syntax checked, then skipped with the reason */
	check_unsupp("alert dns any any -> any any (dns.query; content:\"x\"; config: logging disable, "
	             "type tx, scope tx; sid:1;)",
	             "config");
	UNIT_CHECK_STR(perr.reason,
	               "config: disabling a transaction's or flow's logging needs the app-layer "
	               "loggers to ask the rule engine, which they do not",
	               "  config's reason");
	check_fail("alert dns any any -> any any (config: logging enable; sid:1;)", SW_E_INVAL,
	           "config: expected 'logging disable, type tx|flow, scope tx|flow'");

	/* byte_math, its result used by byte_test */
	r = parse("alert tcp any any -> any any (content:\"ab\"; byte_math:bytes 2, offset 1, "
	          "oper >>, rvalue 3, result sz, relative, endian little, bitmask 0x0ff0; "
	          "byte_test:2,>,sz,0; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->lists[0].n == 3 &&
	               r->lists[0].items[1].kind == DET_ITEM_BYTE_MATH &&
	               r->lists[0].items[1].u.byte.op == DET_MATH_SHR &&
	               r->lists[0].items[1].u.byte.nbytes == 2 &&
	               r->lists[0].items[1].u.byte.value.v == 3 &&
	               (r->lists[0].items[1].u.byte.flags & DET_BYTE_RELATIVE) &&
	               (r->lists[0].items[1].u.byte.flags & DET_BYTE_LITTLE) &&
	               r->lists[0].items[1].u.byte.bitmask == 0x0ff0 &&
	               r->lists[0].items[2].u.byte.value.var == r->lists[0].items[1].u.byte.var,
	           "byte_math parsed; byte_test uses its result");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (byte_extract:1,0,n; byte_math:rvalue n, oper *, "
	          "result m, offset 2, bytes 4, string hex; sid:1;)");
	UNIT_CHECK(r != NULL && r->lists[0].items[1].u.byte.value.var == 0 &&
	               r->lists[0].items[1].u.byte.base == 16 &&
	               (r->lists[0].items[1].u.byte.flags & DET_BYTE_STRING),
	           "byte_math: options in any order, rvalue a variable, string hex");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper %, rvalue 1, "
	           "result x; sid:1;)",
	           SW_E_INVAL, "byte_math: bad operator '%' (+ - * / << >>)");
	check_fail("alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper +, rvalue y, "
	           "result x; sid:1;)",
	           SW_E_INVAL, "byte_math: unknown variable 'y'");
	check_fail("alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper +, rvalue 1; "
	           "sid:1;)",
	           SW_E_INVAL,
	           "byte_math: expected 'bytes N, offset N, oper OP, rvalue V, result NAME'");
	check_fail("alert tcp any any -> any any (byte_math:bytes 5, offset 0, oper +, rvalue 1, "
	           "result x; sid:1;)",
	           SW_E_INVAL, "byte_math: more than 4 bytes without string");
	check_fail("alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper +, rvalue 1, "
	           "result x, result y; sid:1;)",
	           SW_E_INVAL, "byte_math: unknown or repeated option 'result'");
	check_unsupp("alert tcp any any -> any any (byte_math:bytes 1, offset 0, oper +, rvalue 1, "
	             "result x, dce; sid:1;)",
	             "byte_math:dce");
}

/* ---- detect_kw_app.c: file, SSH and TLS value keywords ------------------------------------- */

static void
test_kw_app(void)
{
	char dir[] = "/tmp/test_parse_kwa.XXXXXX", path[256], rule[512];
	struct det_rule *r;
	FILE *fp;

	UNIT_CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/md5.list", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("# comment\n\nFFEEDDCCBBAA99887766554433221100  name\n"
		      "00112233445566778899aabbccddeeff\n",
		      fp);
		fclose(fp);
	}
	snprintf(rule, sizeof(rule),
	         "alert http any any -> any any (msg:\"ET INFO md5\"; filemd5:!%s; sid:1;)", path);
	r = parse(rule);
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_FILEHASH &&
	               r->kws[0].negated && r->kws[0].nset == 2 && r->kws[0].op == APP_HASH_MD5 &&
	               r->kws[0].set[0] == 0x00 && r->kws[0].set[32] == 0xff && r->kw_file &&
	               det_kwa_file_hashes(r) == APP_HASH_MD5,
	           "filemd5:!list: two digests, sorted, negated, md5 turned on");
	det_rule_free(r);
	snprintf(rule, sizeof(rule), "alert http any any -> any any (filesha1:%s; sid:1;)", path);
	r = parse(rule);
	UNIT_CHECK(r == NULL && last_rc == SW_E_INVAL, "filesha1 on a list of md5 digests");
	det_rule_free(r);
	snprintf(path, sizeof(path), "filesha1: %s/md5.list:3: expected a digest of 40 hex digits",
	         dir);
	UNIT_CHECK_STR(perr.reason, path, "filesha1 on md5 digests: the line named");
	snprintf(path, sizeof(path), "%s/md5.list", dir);
	unlink(path);
	rmdir(dir);
	check_fail("alert http any any -> any any (filesha256:/nonexistent/x.list; sid:1;)",
	           SW_E_INVAL,
	           "filesha256: cannot open '/nonexistent/x.list': No such file or directory");

	r = parse("alert http any any -> any any (filename:\"setup.exe\"; fileext:!\"EXE\"; "
	          "filesize:>1000; filestore; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 4 && r->kws[0].kind == DET_KW_FILENAME &&
	               strcmp(r->kws[0].name, "setup.exe") == 0 &&
	               r->kws[1].kind == DET_KW_FILEEXT && r->kws[1].negated &&
	               r->kws[2].kind == DET_KW_FILESIZE && r->kws[2].num.lo == 1001 &&
	               r->kws[3].kind == DET_KW_FILESTORE && r->kw_file && r->app_proto == APP_HTTP,
	           "filename, fileext:!, filesize:>1000, filestore");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filemagic:!\"PE32 executable\"; file.magic; "
	          "content:\"PE32\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_FILEMAGIC &&
	               r->kws[0].negated && strcmp(r->kws[0].name, "PE32 executable") == 0 &&
	               r->kws[0].id == app_buffer_find("file.magic") && r->nlists == 1 &&
	               r->lists[0].buffer == det_buffer_named("file.magic") && r->kw_file,
	           "filemagic:!\"text\" and the file.magic buffer");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (filestore:request,file; sid:1;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_HTTP, "filestore with options makes an HTTP rule");
	det_rule_free(r);
	/* filestore's options, as Suricata 7 reads them: a direction alone means scope tx */
	r = parse("alert http any any -> any any (filestore; sid:1;)");
	UNIT_CHECK(r != NULL && (r->store & DET_STORE_FILE) && r->store_dirs == 0 &&
	               r->store_scope == DET_STORE_SCOPE_FILE,
	           "filestore: the matched file");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filestore:request,file; sid:1;)");
	UNIT_CHECK(r != NULL && r->store_dirs == 1 && r->store_scope == DET_STORE_SCOPE_FILE,
	           "filestore:request,file");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filestore:response; sid:1;)");
	UNIT_CHECK(r != NULL && r->store_dirs == 2 && r->store_scope == DET_STORE_SCOPE_TX,
	           "filestore:response is scope tx");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filestore:both, ssn; sid:1;)");
	UNIT_CHECK(r != NULL && r->store_dirs == 3 && r->store_scope == DET_STORE_SCOPE_FLOW,
	           "filestore:both, ssn");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filestore:to_client,flow; sid:1;)");
	UNIT_CHECK(r != NULL && r->store_dirs == 2 && r->store_scope == DET_STORE_SCOPE_FLOW,
	           "filestore:to_client,flow");
	det_rule_free(r);
	r = parse("alert http any any -> any any (filestore:to_server,tx; sid:1;)");
	UNIT_CHECK(r != NULL && r->store_dirs == 1 && r->store_scope == DET_STORE_SCOPE_TX,
	           "filestore:to_server,tx");
	det_rule_free(r);
	check_fail("alert http any any -> any any (filestore:sideways; sid:1;)", SW_E_INVAL,
	           "filestore: unknown direction 'sideways' (request, to_server, response, "
	           "to_client, both)");
	check_fail("alert http any any -> any any (filestore:request,forever; sid:1;)", SW_E_INVAL,
	           "filestore: unknown scope 'forever' (file, tx, ssn, flow)");
	check_fail("alert http any any -> any any (filestore:request,tx,file; sid:1;)", SW_E_INVAL,
	           "filestore: too many options 'file' (direction, scope)");
	check_fail("alert http any any -> any any (filename:\"; sid:1;)", SW_E_INVAL,
	           "filename: unterminated quote");
	check_fail("alert http any any -> any any (filename:!; sid:1;)", SW_E_INVAL,
	           "filename: empty value");
	check_fail("alert http any any -> any any (fileext:\"\"; sid:1;)", SW_E_INVAL,
	           "fileext: empty value");
	check_fail("alert http any any -> any any (filesize:big; sid:1;)", SW_E_INVAL,
	           "filesize: bad value 'big': expected N, <N, >N, <=N, >=N, !N or A<>B");

	r = parse("alert ssh any any -> any any (ssh.protoversion:2_compat; "
	          "ssh.softwareversion:\"OpenSSH_9.2p1\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kws[0].kind == DET_KW_SSH_PROTOVERSION &&
	               r->kws[0].flags == 1 && r->kws[1].kind == DET_KW_SSH_SOFTWAREVERSION &&
	               strcmp(r->kws[1].name, "OpenSSH_9.2p1") == 0 && r->app_proto == APP_SSH &&
	               !r->kw_file,
	           "ssh.protoversion:2_compat; ssh.softwareversion");
	det_rule_free(r);
	r = parse("alert ssh any any -> any any (ssh_hassh_server; "
	          "content:\"425d29fe50d8e4f5e37efb6e24bcf660\"; ssh.hassh.string; "
	          "content:\"ext-info-c\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 &&
	               r->lists[0].buffer == det_buffer_named("ssh.hassh.server") &&
	               r->lists[1].buffer == det_buffer_named("ssh.hassh.string") &&
	               det_buffer_by_sticky("ssh.hassh") == det_buffer_named("ssh.hassh") &&
	               det_buffer_by_sticky("ssh.hassh.server.string") >= 0,
	           "ssh.hassh buffers, old and new names");
	det_rule_free(r);
	check_fail("alert ssh any any -> any any (ssh.protoversion:!2.0; sid:1;)", SW_E_INVAL,
	           "ssh.protoversion: cannot be negated");

	r = parse("alert tls any any -> any any (ssl_version:sslv3,!tls1.0,TLS1.3; "
	          "tls.cert_chain_len:>2; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kws[0].kind == DET_KW_SSL_VERSION &&
	               r->kws[0].flags == (1u << 1 | 1u << 5) && r->kws[0].count == 1u << 2 &&
	               r->kws[1].kind == DET_KW_TLS_CHAIN_LEN && r->kws[1].num.lo == 3 &&
	               r->app_proto == APP_TLS,
	           "ssl_version list with a negation; tls.cert_chain_len:>2");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (ssl_version:!sslv2; sid:1;)");
	UNIT_CHECK(r != NULL && r->app_proto == APP_TLS && r->kws[0].count == 1,
	           "ssl_version makes a TLS rule");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (tls.store; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_TLS_STORE &&
	               r->app_proto == APP_TLS,
	           "tls.store makes a TLS rule");
	det_rule_free(r);
	check_fail("alert tls any any -> any any (tls.store:all; sid:1;)", SW_E_INVAL,
	           "tls.store: takes no value");
	/* http.host.raw, and the old modifier http_raw_host moves content there */
	UNIT_CHECK(det_buffer_by_sticky("http.host.raw") == det_buffer_named("http.host.raw") &&
	               det_buffer_by_modifier("http_raw_host") == det_buffer_named("http.host.raw") &&
	               det_buffer_named("http.host.raw") != det_buffer_named("http.host"),
	           "http.host.raw is its own buffer; http_raw_host names it");
	/* tls.random*: buffers of both hellos */
	r = parse("alert tls any any -> any any (flow:to_client; tls.random_bytes; "
	          "content:\"|00 01|\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 &&
	               r->lists[0].buffer == det_buffer_named("tls.random_bytes") &&
	               det_buffer_by_sticky("tls.random") == det_buffer_named("tls.random") &&
	               det_buffer_by_sticky("tls.random_time") >= 0,
	           "tls.random, tls.random_time, tls.random_bytes are buffers");
	det_rule_free(r);
	r = parse("alert tls any any -> any any (flow:to_server; ssl_state:client_hello; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_SSL_STATE &&
	               r->kws[0].flags == 1 && r->app_proto == APP_TLS,
	           "ssl_state:client_hello");
	det_rule_free(r);
	r = parse("alert tcp any any -> any any (ssl_state:server_hello|client_hello; sid:1;)");
	UNIT_CHECK(r != NULL && r->kws[0].flags == 3 && r->app_proto == APP_TLS,
	           "ssl_state:a|b makes a TLS rule");
	det_rule_free(r);
	/* every state, '!' per state, '|' or ',' between them (Suricata's parser) */
	r = parse("alert tls any any -> any any (ssl_state:client_hello|client_keyx; sid:1;)");
	UNIT_CHECK(r != NULL && r->kws[0].flags == (1 | 4) && r->kws[0].count == 0,
	           "ssl_state:client_hello|client_keyx");
	det_rule_free(r);
	r = parse("alert tls any any -> any any (ssl_state:!server_hello; sid:1;)");
	UNIT_CHECK(r != NULL && r->kws[0].flags == 2 && r->kws[0].count == 2,
	           "ssl_state:!server_hello: flags and negated");
	det_rule_free(r);
	r = parse("alert tls any any -> any any (ssl_state: server_keyx , !unknown|client_hello; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->kws[0].flags == (8 | 16 | 1) && r->kws[0].count == 16,
	           "ssl_state: server_keyx , !unknown|client_hello");
	det_rule_free(r);
	check_fail("alert tls any any -> any any (ssl_state:!; sid:1;)", SW_E_INVAL,
	           "ssl_state: unknown state '' (client_hello, server_hello, client_keyx, "
	           "server_keyx, unknown)");
	check_fail("alert tls any any -> any any (ssl_state:hello; sid:1;)", SW_E_INVAL,
	           "ssl_state: unknown state 'hello' (client_hello, server_hello, client_keyx, "
	           "server_keyx, unknown)");
	check_fail("alert tls any any -> any any (ssl_version:tls1.4; sid:1;)", SW_E_INVAL,
	           "ssl_version: unknown version 'tls1.4' (sslv2, sslv3, tls1.0, tls1.1, tls1.2, "
	           "tls1.3)");
	check_fail("alert tls any any -> any any (tls.cert_chain_len:<0; sid:1;)", SW_E_INVAL,
	           "tls.cert_chain_len: bad value '<0': <0 matches nothing");
}

/* ---- hdrbuf: header buffers, checksums, icmpv6.mtu, ipv4/ipv6, xor ------------------------- */

/* A UDP/IPv4 packet in b: 20-byte IPv4 header (checksum as given), UDP 42000 -> 7600 "ab". */
static void
hb_udp4(struct sw_packet *p, uint8_t *b, uint16_t ipsum, uint16_t udpsum)
{
	static const uint8_t pkt[30] = {0x45, 0,    0,    30,   0,    1,    0,    0,    64, 17,
	                                0,    0,    10,   0,    0,    1,    10,   0,    0,  2,
	                                0xa4, 0x10, 0x1d, 0xb0, 0,    10,   0,    0,    'a', 'b'};

	memcpy(b, pkt, sizeof(pkt));
	b[10] = (uint8_t)(ipsum >> 8);
	b[11] = (uint8_t)ipsum;
	b[26] = (uint8_t)(udpsum >> 8);
	b[27] = (uint8_t)udpsum;
	memset(p, 0, offsetof(struct sw_packet, encap));
	p->data = b;
	p->caplen = p->wirelen = sizeof(pkt);
	p->flags = SW_PKT_IP | SW_PKT_L4;
	p->family = 4;
	p->proto = 17;
	p->l3_off = 0;
	p->l4_off = 20;
	p->payload_off = 28;
	p->payload_len = 2;
}

static void
test_hdrbuf(void)
{
	struct det_rule *r;
	const struct det_kw *k;
	struct sw_packet p;
	uint8_t b[64];
	const uint8_t *d;
	size_t n;
	int hb;

	/* the sticky buffers: numbered after the app buffers, no app protocol, never a fast
	 * pattern (the rule is tried by protocol) */
	static const char *const names[] = {"ipv4.hdr", "ipv6.hdr", "tcp.hdr",
	                                    "udp.hdr",  "icmpv4.hdr", "icmpv6.hdr"};
	for (size_t i = 0; i < 6; i++) {
		hb = det_buffer_by_sticky(names[i]);
		UNIT_CHECK(hb > 0 && det_buffer(hb)->hdr == (int)i + 1 &&
		               det_buffer(hb)->app_proto == APP_NONE &&
		               det_buffer(hb)->msg_kind == -1 && det_buffer_named(names[i]) == hb,
		           names[i]);
	}
	r = parse("alert tcp any any -> any any (msg:\"x\"; tcp.hdr; content:\"|02 04 05 b4|\"; "
	          "sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 &&
	               r->lists[0].buffer == det_buffer_named("tcp.hdr") && r->fp_list == 0 &&
	               r->fp_item == 0 && r->app_proto == APP_NONE,
	           "tcp.hdr: a list on the header, its content the fast pattern");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ipv4.hdr; content:\"|45|\"; depth:1; "
	          "content:\"evil\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 && r->lists[0].n == 2, "ipv4.hdr is sticky");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (ipv4.hdr; content:\"|45|\"; depth:1; pkt_data; "
	          "content:\"evil\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 && r->fp_list >= 0 &&
	               r->lists[r->fp_list].buffer == DET_BUF_PAYLOAD,
	           "ipv4.hdr and a payload content: the payload's is the fast pattern");
	det_rule_free(r);
	check_ok("alert ip any any -> any any (udp.hdr; bsize:8; sid:1;)");
	check_ok("alert icmp any any -> any any (icmpv6.hdr; content:\"|80|\"; depth:1; sid:1;)");
	check_ok("alert icmp any any -> any any (icmpv4.hdr; byte_test:1,=,8,0; sid:1;)");
	check_ok("alert tcp-pkt any any -> any any (tcp.hdr; pcre:\"/^.{13}\\x02/s\"; sid:1;)");
	check_fail("alert udp any any -> any any (tcp.hdr; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "tcp.hdr: rule protocol is udp");
	check_fail("alert tcp any any -> any any (udp.hdr; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "udp.hdr: rule protocol is tcp");
	check_fail("alert icmpv6 any any -> any any (icmpv4.hdr; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "icmpv4.hdr: rule protocol is icmpv6");
	check_fail("alert tcp any any -> any any (tcp.hdr:1; sid:1;)", SW_E_INVAL,
	           "tcp.hdr: takes no value");

	/* the buffer on a packet: the IPv4 and UDP headers of hb_udp4 */
	hb_udp4(&p, b, 0, 0);
	UNIT_CHECK(det_hdr_buffer(&p, DET_HDR_IPV4, &d, &n) && d == b && n == 20, "ipv4.hdr bytes");
	UNIT_CHECK(det_hdr_buffer(&p, DET_HDR_UDP, &d, &n) && d == b + 20 && n == 8,
	           "udp.hdr bytes");
	UNIT_CHECK(!det_hdr_buffer(&p, DET_HDR_TCP, &d, &n), "no tcp.hdr on UDP");
	UNIT_CHECK(!det_hdr_buffer(&p, DET_HDR_IPV6, &d, &n), "no ipv6.hdr on IPv4");
	p.caplen = 24;
	UNIT_CHECK(!det_hdr_buffer(&p, DET_HDR_UDP, &d, &n), "udp.hdr cut by the capture: none");

	/* checksums: valid/invalid, quoted or not, any case; the exact errors */
	r = parse("alert ip any any -> any any (ipv4-csum:valid; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_CSUM && k->count == DET_CSUM_IPV4 &&
	               k->flags == 1 && r->kw_packet,
	           "ipv4-csum:valid");
	det_rule_free(r);
	r = parse("alert udp any any -> any any (udpv6-csum:\"INVALID\"; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->count == DET_CSUM_UDPV6 && k->flags == 0,
	           "udpv6-csum:\"INVALID\"");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (ipv4-csum:good; sid:1;)", SW_E_INVAL,
	           "ipv4-csum: bad value 'good': expected valid or invalid");
	check_fail("alert ip any any -> any any (tcpv4-csum; sid:1;)", SW_E_INVAL,
	           "tcpv4-csum: missing value");
	/* computed from the bytes: 0x0000 is wrong for both, the right sums are valid */
	hb_udp4(&p, b, 0, 0x1234);
	UNIT_CHECK(hdr_ok("ipv4-csum:invalid;", &p) && !hdr_ok("ipv4-csum:valid;", &p),
	           "a bad IPv4 header checksum");
	UNIT_CHECK(hdr_ok("udpv4-csum:invalid;", &p) && !hdr_ok("udpv6-csum:invalid;", &p),
	           "a bad UDP checksum; udpv6-csum does not look at IPv4");
	hb_udp4(&p, b, 0x66cc, 0xc8b4);
	UNIT_CHECK(hdr_ok("ipv4-csum:valid;", &p) && hdr_ok("udpv4-csum:valid;", &p) &&
	               !hdr_ok("udpv4-csum:invalid;", &p),
	           "good IPv4 and UDP checksums");
	hb_udp4(&p, b, 0x66cc, 0);
	UNIT_CHECK(!hdr_ok("udpv4-csum:valid;", &p) && !hdr_ok("udpv4-csum:invalid;", &p),
	           "a UDP checksum of 0 (none) matches neither");
	hb_udp4(&p, b, 0x1111, 0x1234);
	p.csum_ignored = true;
	UNIT_CHECK(hdr_ok("ipv4-csum:valid;", &p) && !hdr_ok("ipv4-csum:invalid;", &p) &&
	               hdr_ok("udpv4-csum:valid;", &p),
	           "checksums not validated: taken as valid");
	p.flags = SW_PKT_IP | SW_PKT_L4 | SW_PKT_REBUILT;
	p.csum_ignored = false;
	UNIT_CHECK(!hdr_ok("ipv4-csum:valid;", &p) && !hdr_ok("ipv4-csum:invalid;", &p),
	           "a rebuilt packet matches neither");

	/* icmpv6.mtu: Suricata's 32-bit integer forms */
	r = parse("alert icmp any any -> any any (icmpv6.mtu:>=1280; sid:1;)");
	k = one_kw(r);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_ICMPV6_MTU && k->num.lo == 1280 &&
	               k->num.hi == UINT32_MAX,
	           "icmpv6.mtu:>=1280");
	det_rule_free(r);
	check_fail("alert icmp any any -> any any (icmpv6.mtu:4294967296; sid:1;)", SW_E_INVAL,
	           "icmpv6.mtu: bad value '4294967296': expected N, <N, >N, <=N, >=N, !N or A<>B");

	/* header protocols ipv4/ip4/ipv6/ip6: any protocol of that IP version */
	r = parse("alert ipv4 any any -> any any (content:\"x\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->proto == 0 && r->family == 4, "alert ipv4");
	det_rule_free(r);
	r = parse("alert IP6 any any -> any any (sid:1;)");
	UNIT_CHECK(r != NULL && r->proto == 0 && r->family == 6, "alert IP6");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (sid:1;)");
	UNIT_CHECK(r != NULL && r->family == 0, "alert ip: either version");
	det_rule_free(r);

	/* xor: a key of hex pairs, quoted or not */
	check_xform("alert http any any -> any any (http.uri; xor:\"0d0ac8ff\"; content:\"a\"; "
	            "sid:1;)",
	            "/b?x", "\x22\x68\xf7\x87", 4, "xor with a 4-byte key");
	check_xform("alert http any any -> any any (http.uri; xor:41; content:\"a\"; sid:1;)", "AB",
	            "\x00\x03", 2, "xor with a 1-byte key, unquoted");
	check_fail("alert http any any -> any any (http.uri; xor:\"0d0\"; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "xor: the key must be an even number of hex digits, up to 510");
	check_fail("alert http any any -> any any (http.uri; xor:\"0g\"; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "xor: 'g' is not a hex digit");
	check_fail("alert http any any -> any any (http.uri; xor; content:\"a\"; sid:1;)",
	           SW_E_INVAL, "xor: missing value");
	check_fail("alert tcp any any -> any any (xor:\"0d\"; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "xor: transforms need a sticky buffer before them");

	/* bypass (ET's form) */
	r = parse("alert http any any -> any any (msg:\"x\"; http.host; content:\"suricata.io\"; "
	          "bypass; sid:10001; rev:1;)");
	UNIT_CHECK(r != NULL && r->bypass, "bypass");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.host; content:\"a\"; sid:1;)");
	UNIT_CHECK(r != NULL && !r->bypass, "no bypass by default");
	det_rule_free(r);
	check_fail("alert tcp any any -> any any (content:\"a\"; bypass:1; sid:1;)", SW_E_INVAL,
	           "bypass: takes no value");
}

/* ---- frame (Suricata 7's frames) ------------------------------------------------------------- */

/* text parses, its frame list is buffer "@frame.NAME" with n items, and the rule's protocol is
 * proto (app_proto_name). */
static void
check_frame(const char *text, const char *name, uint32_t n, const char *proto)
{
	struct det_rule *r = parse(text);
	char bname[64], label[600];
	int b;
	const struct det_list *l;

	snprintf(bname, sizeof(bname), "@frame.%s", name);
	b = det_buffer_named(bname);
	l = r != NULL && b > 0 ? list_of(r, b) : NULL;
	snprintf(label, sizeof(label), "frame %s, %u item(s), protocol %s: %.400s", name, n, proto,
	         text);
	UNIT_CHECK(r != NULL && b > 0 && l != NULL && l->n == n &&
	               strcmp(app_proto_name(r->app_proto), proto) == 0,
	           label);
	if (r == NULL)
		printf("#   rc %d: %s\n", last_rc, perr.reason);
	det_rule_free(r);
}

static void
test_frame(void)
{
	/* the forms of Suricata's documentation: PROTO.NAME in any rule, NAME in the protocol's */
	check_frame("alert tls any any -> any any (flow:to_client; frame:tls.pdu; content:\"|17 03 03|\"; "
	            "startswith; sid:1;)", "tls.pdu", 1, "tls");
	check_frame("alert tls any any -> any any (frame:pdu; content:\"|17 03 03|\"; startswith; sid:2;)",
	            "tls.pdu", 1, "tls");
	check_frame("alert tcp any any -> any any (frame:tls.hdr; content:\"|15|\"; startswith; bsize:5; "
	            "sid:3;)", "tls.hdr", 2, "tls");
	check_frame("alert tls any any -> any any (frame: tls.data ; content:\"x\"; sid:4;)", "tls.data",
	            1, "tls");
	check_frame("alert tls any any -> any any (frame:TLS.Alert; content:\"|02|\"; sid:5;)",
	            "tls.alert", 1, "tls");
	check_frame("alert tls any any -> any any (frame:heartbeat; content:\"|01|\"; startswith; "
	            "byte_test:2,>,16,1; sid:6;)", "tls.heartbeat", 2, "tls");
	check_frame("alert dns any any -> any any (frame:dns.pdu; content:\"|01 00|\"; offset:2; "
	            "depth:2; sid:7;)", "dns.pdu", 1, "dns");
	check_frame("alert udp any any -> any any (frame:dns.pdu; pcre:\"/^.{12}\\x07example/s\"; "
	            "sid:8;)", "dns.pdu", 1, "dns");
	check_frame("alert ssh any any -> any any (frame:record_hdr; bsize:6; sid:9;)",
	            "ssh.record_hdr", 1, "ssh");
	check_frame("alert tcp any any -> any any (frame:ssh.record_pdu; content:\"|14|\"; offset:5; "
	            "depth:1; sid:10;)", "ssh.record_pdu", 1, "ssh");
	check_frame("alert ssh any any -> any any (frame:ssh.record_data; content:\"curve\"; sid:11;)",
	            "ssh.record_data", 1, "ssh");
	/* a transform on the frame: its own list, the rule parses */
	check_ok("alert tls any any -> any any (frame:tls.pdu; to_lowercase; content:\"x\"; sid:12;)");
	/* errors: a clear reason each */
	check_fail("alert tcp any any -> any any (frame:pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: 'pdu' names no protocol and the rule header names none (write it "
	           "PROTO.pdu, e.g. tls.pdu)");
	check_fail("alert tls any any -> any any (frame:tls.foo; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: unknown frame 'tls.foo' (tls has pdu, hdr, data, alert, heartbeat, "
	           "ssl2.hdr, ssl2.pdu)");
	check_fail("alert dns any any -> any any (frame:query; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: unknown frame 'dns.query' (dns has pdu)");
	check_fail("alert ssh any any -> any any (frame:pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: unknown frame 'ssh.pdu' (ssh has record_hdr, record_data, record_pdu)");
	check_fail("alert tcp any any -> any any (frame:xyz.pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: unknown frame 'xyz.pdu' (no protocol 'xyz')");
	check_fail("alert tls any any -> any any (frame:dns.pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: 'dns.pdu' is a frame of dns, the rule's protocol is tls");
	check_fail("alert udp any any -> any any (frame:tls.pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: 'tls.pdu' is a frame of tls, the rule's protocol is udp");
	check_fail("alert icmp any any -> any any (frame:dns.pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: 'dns.pdu' is a frame of dns, the rule's protocol is icmp");
	check_fail("alert tls any any -> any any (frame:tls pdu; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: 'tls pdu' is not a frame name (tls.pdu)");
	check_fail("alert tls any any -> any any (frame; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: missing value");
	check_fail("alert tls any any -> any any (frame:tls.pdu; sid:1;)", SW_E_INVAL,
	           "frame: nothing inspects the frame 'tls.pdu' (content, pcre, byte_*, bsize, ... "
	           "after it)");
	/* skipped with the reason: protocols we do not parse, frames we do not give */
	check_unsupp("alert smb any any -> any any (flow:to_server; frame:smb2.hdr; content:\"|FE|SMB\"; "
	             "startswith; sid:4;)", "frame");
	UNIT_CHECK_STR(perr.reason, "frame 'smb2.hdr': frames of smb2, which spanwatch does not parse",
	               "  smb2's reason");
	check_unsupp("alert telnet any any -> any any (flow:to_server; frame:data; content:\"/sbin/ping\"; "
	             "sid:1;)", "frame");
	UNIT_CHECK_STR(perr.reason, "frame 'telnet.data': frames of telnet, which spanwatch does not "
	               "parse", "  telnet's reason");
	/* HTTP/1: Suricata's documented examples */
	check_frame("alert http any any -> any any (flow:to_server; frame:http1.request; content:\"GET / "
	            "HTTP/1.1|0d 0a|Host: www.testmyids.com\"; startswith; bsize:81; sid:1;)",
	            "http1.request", 2, "http");
	check_frame("alert http1 any any -> any any (flow:to_client; frame:response; "
	            "content:\"uid=0|28|root|29|\"; sid:2;)", "http1.response", 1, "http");
	check_ok("alert http1 any any -> any any (flow:to_server; frame:request; strip_whitespace; "
	         "content:\"GET/HTTP/1.1Host:www.testmyids.com\"; startswith; bsize:66; sid:3;)");
	check_fail("alert http any any -> any any (frame:http1.body; content:\"a\"; sid:1;)", SW_E_INVAL,
	           "frame: unknown frame 'http1.body' (http1 has request, response)");
	check_unsupp("alert tls any any -> any any (frame:ssl2.hdr; content:\"a\"; sid:1;)", "frame");
	UNIT_CHECK_STR(perr.reason, "frame 'tls.ssl2.hdr': frames of SSLv2 records (tls.ssl2.hdr, "
	               "tls.ssl2.pdu) are not implemented", "  ssl2's reason");
	check_unsupp("alert smtp any any -> any any (frame:smtp.data; content:\"a\"; sid:1;)", "frame");
	/* frames of one protocol and another app buffer: parsed, the engine skips it (two kinds) */
	check_ok("alert tls any any -> any any (frame:tls.pdu; content:\"a\"; tls.sni; content:\"b\"; "
	         "sid:1;)");
}

/* ---- replace: loaded as Suricata loads it outside IPS mode (nothing rewritten) ------------- */

static void
test_replace(void)
{
	check_ok("alert tcp any any -> any any (content:\"big\"; replace:\"pig\"; sid:1;)");
	check_ok("alert tcp any any -> any any (content:\"th\"; replace:\"TH\"; offset:4; "
	         "content:\"patter\"; replace:\"matter\"; sid:1;)");
	check_ok("alert http any any -> any any (http.uri; content:\"/a\"; replace:\"/b\"; sid:1;)");
	check_fail("alert tcp any any -> any any (content:\"big\"; replace:!\"pig\"; sid:1;)",
	           SW_E_INVAL, "replace: a replacement string cannot be negated");
	check_fail("alert tcp any any -> any any (content:\"big\"; replace:pig; sid:1;)", SW_E_INVAL,
	           "replace: the value must be in double quotes");
}

/* ---- unsupported keywords -------------------------------------------------------------------- */

static void
test_unsupported(void)
{
	static const char *const kws[] = {
	    "rpc:100000,*,*",
	    "entropy:bytes 4",
#ifndef HAVE_LUA
	    "lua:x.lua",
#endif
	};
	struct det_rule *r;
	char rule[256], kw[64];
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		snprintf(rule, sizeof(rule),
		         "alert tcp any any -> any any (content:\"x\"; %s; sid:1;)", kws[i]);
		snprintf(kw, sizeof(kw), "%s", kws[i]);
		kw[strcspn(kw, ":")] = '\0';
		check_unsupp(rule, kw);
	}
	/* a keyword no engine knows is a typo: an error, not a skip that hides the rule */
	check_fail("alert tcp any any -> any any (foo; sid:1;)", SW_E_INVAL, "unknown keyword 'foo'");
	check_fail("alert tcp any any -> any any (contnet:\"x\"; sid:1;)", SW_E_INVAL,
	           "unknown keyword 'contnet'");
	/* a header protocol nobody knows is an error; one Suricata knows and we do not, a skip */
	check_fail("alert htp any any -> any any (sid:1;)", SW_E_INVAL, "unknown protocol 'htp'");
	r = parse("alert sctp any any -> any any (sid:1;)");
	UNIT_CHECK(r == NULL && last_rc == SW_E_UNSUPP, "protocol sctp: unsupported, skipped");
	/* a missing ';' after a quoted value, and Snort 3's comma form, are syntax errors */
	check_fail("alert http any any -> any any (msg:\"text\" http.uri; content:\"/data\"; sid:1;)",
	           SW_E_INVAL, "msg: missing ';' after the quoted value, before 'http.uri'");
	check_fail("alert tcp any any -> any any (content:\"x\" nocase; sid:1;)", SW_E_INVAL,
	           "content: missing ';' after the quoted value, before 'nocase'");
	check_fail("alert tcp any any -> any any (content:\"x\", nocase; sid:1;)", SW_E_INVAL,
	           "content: ',' after the quoted value: each option ends with ';' (Snort 3's "
	           "'\"x\", nocase' is written '\"x\"; nocase')");
	r = parse("alert tcp any any -> any any (rpc:100000,*,*; sid:1;)");
	UNIT_CHECK_STR(perr.reason,
	               "keyword 'rpc' is not supported: ONC RPC (Sun RPC) calls, which spanwatch "
	               "does not parse",
	               "known Suricata keyword, with its reason");
	/* every keyword skipped as known has a reason (Suricata 8's, no Lua, IPS only, a
	 * protocol we do not parse, ...) */
	UNIT_CHECK(det_unsupported_without_reason() == NULL, "every unsupported keyword has a reason");
	if (det_unsupported_without_reason() != NULL)
		printf("#   no reason for %s\n", det_unsupported_without_reason());
	{
		static const char *const why[][2] = {
		    {"dns.rcode:3", "keyword 'dns.rcode' is not supported: Suricata 8's (not a "
		                    "Suricata 7 keyword)"},
		    {"entropy:bytes 4, value >5", "keyword 'entropy' is not supported: Suricata 8's "
		                                  "(not a Suricata 7 keyword)"},
#ifndef HAVE_LUA
		    {"lua:x.lua", "keyword 'lua' is not supported: Lua scripts: spanwatch was built "
		                  "without Lua (./configure --disable-lua)"},
#endif
		    {"http2.header; content:\"x\"", "keyword 'http2.header' is not supported: "
		                                    "HTTP/2, which spanwatch does not parse"},
		    {"smb.share; content:\"x\"", "keyword 'smb.share' is not supported: SMB, which "
		                                 "spanwatch does not parse"},
		    {"mqtt.connect.clientid; content:\"x\"", "keyword 'mqtt.connect.clientid' is "
		                                             "not supported: MQTT, which spanwatch "
		                                             "does not parse"},
		    {"krb5_cname; content:\"x\"", "keyword 'krb5_cname' is not supported: "
		                                  "Kerberos, which spanwatch does not parse"},
		    {"pgsql.query; content:\"x\"", "keyword 'pgsql.query' is not supported: "
		                                   "Suricata 8's (not a Suricata 7 keyword); "
		                                   "spanwatch reads PostgreSQL only up to its "
		                                   "STARTTLS"},
		};
		char text[300];

		for (size_t w = 0; w < sizeof(why) / sizeof(why[0]); w++) {
			snprintf(text, sizeof(text), "alert tcp any any -> any any (%s; sid:1;)",
			         why[w][0]);
			r = parse(text);
			UNIT_CHECK(r == NULL && last_rc == SW_E_UNSUPP, text);
			UNIT_CHECK_STR(perr.reason, why[w][1], "  its reason");
			det_rule_free(r);
		}
	}
	/* engine-event (Suricata 7): decode-event and stream-event by their full names */
	r = parse("alert pkthdr any any -> any any (engine-event:decoder.ipv4.trunc_pkt; sid:1;)");
	{
		struct det_rule *d = parse("alert pkthdr any any -> any any (decode-event:ipv4.trunc_pkt; "
		                           "sid:1;)");

		UNIT_CHECK(r != NULL && d != NULL && r->event_kind == d->event_kind &&
		               r->event_id == d->event_id && r->event_kind >= 0,
		           "engine-event:decoder.X is decode-event:X");
		det_rule_free(d);
		det_rule_free(r);
		r = parse("alert tcp any any -> any any (engine-event:stream.rst_invalid; sid:1;)");
		d = parse("alert tcp any any -> any any (stream-event:rst_invalid; sid:1;)");
		UNIT_CHECK(r != NULL && d != NULL && r->event_kind == d->event_kind &&
		               r->event_id == d->event_id && r->event_kind == DETECT_EVENT_STREAM,
		           "engine-event:stream.X is stream-event:X");
		det_rule_free(d);
		det_rule_free(r);
		r = NULL;
	}
	check_fail("alert pkthdr any any -> any any (engine-event:ipv4.trunc_pkt; sid:1;)",
	           SW_E_INVAL,
	           "engine-event: expected decoder.NAME or stream.NAME, got 'ipv4.trunc_pkt'");
	check_fail("alert pkthdr any any -> any any (engine-event:decoder.ipv4.nosuch; sid:1;)",
	           SW_E_INVAL, "decode-event: unknown event 'ipv4.nosuch'");
	/* icmpv6.mtu (Suricata 7): the integer forms, a packet keyword */
	{
		struct det_rule *m = parse("alert icmp any any -> any any (icmpv6.mtu:<1280; sid:1;)");

		UNIT_CHECK(m != NULL && m->nkws == 1 && m->kws[0].kind == DET_KW_ICMPV6_MTU &&
		               m->kws[0].num.lo == 0 && m->kws[0].num.hi == 1279 && m->kw_packet,
		           "icmpv6.mtu:<1280");
		det_rule_free(m);
	}
	{
		struct det_rule *m = parse("alert ip any any -> any any (l3_proto:ip6; sid:1;)");

		UNIT_CHECK(m != NULL && m->nkws == 1 && m->kws[0].kind == DET_KW_L3_PROTO &&
		               m->kws[0].count == 6,
		           "l3_proto:ip6");
		det_rule_free(m);
	}
	check_fail("alert ip any any -> any any (l3_proto:ipx; sid:1;)", SW_E_INVAL,
	           "l3_proto: expected ipv4, ip4, ipv6 or ip6, not 'ipx'");
#ifdef HAVE_LUA
	/* lua / luajit (issue 14): the script's name as written (resolved when the engine loads
	 * the rule), '!' negates; names that leave the rule (or scripts) directory are refused */
	{
		struct det_rule *l = parse("alert http any any -> any any (lua:x.lua; "
		                           "luajit: ! \"sub/y.lua\" ; sid:1;)");

		UNIT_CHECK(l != NULL && l->nkws == 2 && l->kws[0].kind == DET_KW_LUA &&
		               strcmp(l->kws[0].name, "x.lua") == 0 && !l->kws[0].negated &&
		               l->kws[0].id == -1 && l->kws[1].kind == DET_KW_LUA &&
		               strcmp(l->kws[1].name, "sub/y.lua") == 0 && l->kws[1].negated,
		           "lua:x.lua and luajit:!\"sub/y.lua\"");
		UNIT_CHECK(l != NULL && l->kws[0].id2 == DET_BUF_PAYLOAD,
		           "lua without a sticky buffer before it: the payload (no buffer need)");
		det_rule_free(l);
		l = parse("alert http any any -> any any (http.method; lua:x.lua; sid:1;)");
		UNIT_CHECK(l != NULL && l->nkws == 1 && l->kws[0].id2 > 0 &&
		               l->kws[0].id2 == det_buffer_named("http.method"),
		           "lua after http.method: its buffer need is http.method");
		det_rule_free(l);
	}
	check_fail("alert ip any any -> any any (lua:../x.lua; sid:1;)", SW_E_INVAL,
	           "lua: script '../x.lua' must be a relative path without '..'");
	check_fail("alert ip any any -> any any (lua:a/../../x.lua; sid:1;)", SW_E_INVAL,
	           "lua: script 'a/../../x.lua' must be a relative path without '..'");
	check_fail("alert ip any any -> any any (luajit:/etc/x.lua; sid:1;)", SW_E_INVAL,
	           "luajit: script '/etc/x.lua' must be a relative path without '..'");
	check_fail("alert ip any any -> any any (lua:a/..; sid:1;)", SW_E_INVAL,
	           "lua: script 'a/..' must be a relative path without '..'");
	check_fail("alert ip any any -> any any (lua:!; sid:1;)", SW_E_INVAL, "lua: no script named");
	check_fail("alert ip any any -> any any (lua:\"\"; sid:1;)", SW_E_INVAL,
	           "lua: no script named");
	check_fail("alert ip any any -> any any (lua; sid:1;)", SW_E_INVAL, "lua: missing value");
#endif
	/* flowvar / pktvar and pcre's variable captures (issue 14) */
	{
		struct det_rule *v = parse("alert tcp any any -> any any (content:\"x\"; "
		                           "pcre:\"/(?P<flow_ua>[a-z]+) (?P<pkt_n>[0-9]+)(?P<x>y)/\"; "
		                           "flowvar:ua,\"a|3b 20|\\;b\"; pktvar:n,\"12\"; sid:1;)");
		const struct det_item *pi = NULL;

		for (uint32_t li = 0; v != NULL && li < v->nlists; li++)
			for (uint32_t j = 0; j < v->lists[li].n; j++)
				if (v->lists[li].items[j].kind == DET_ITEM_PCRE)
					pi = &v->lists[li].items[j];
		UNIT_CHECK(pi != NULL && pi->u.pcre.ncap == 2 &&
		               strcmp(pi->u.pcre.caps[0].name, "ua") == 0 &&
		               pi->u.pcre.caps[0].group == 1 && !pi->u.pcre.caps[0].pkt &&
		               strcmp(pi->u.pcre.caps[1].name, "n") == 0 &&
		               pi->u.pcre.caps[1].group == 2 && pi->u.pcre.caps[1].pkt,
		           "pcre flow_ua and pkt_n captures (x: a plain group)");
		UNIT_CHECK(v != NULL && v->nkws == 2 && v->kws[0].kind == DET_KW_FLOWVAR &&
		               strcmp(v->kws[0].name, "ua") == 0 && v->kws[0].nset == 5 &&
		               memcmp(v->kws[0].set, "a; ;b", 5) == 0 &&
		               v->kws[1].kind == DET_KW_PKTVAR && v->kws[1].nset == 2,
		           "flowvar:ua,\"a|3b 20|\\;b\" and pktvar:n,\"12\"");
		det_rule_free(v);
	}
	check_fail("alert ip any any -> any any (flowvar:a; sid:1;)", SW_E_INVAL,
	           "flowvar: expected '<name>,\"<content>\"'");
	check_fail("alert ip any any -> any any (pktvar:a,b; sid:1;)", SW_E_INVAL,
	           "pktvar: expected a quoted non-empty content, not 'b'");
	check_fail("alert ip any any -> any any (flowvar:a b,\"c\"; sid:1;)", SW_E_INVAL,
	           "flowvar: bad name 'a b'");
	check_fail("alert ip any any -> any any (flowvar:a,\"|4|\"; sid:1;)", SW_E_INVAL,
	           "flowvar: odd number of hex digits");
	check_fail("alert tcp any any -> any any (pcre:\"/(?P<flow_>a)/\"; sid:1;)", SW_E_INVAL,
	           "pcre: capture 'flow_' names no variable");
	check_fail("alert icmp any any -> any any (icmpv6.mtu:big; sid:1;)", SW_E_INVAL,
	           "icmpv6.mtu: bad value 'big': expected N, <N, >N, <=N, >=N, !N or A<>B");
	/* hostbits (Suricata 7): xbits with track ip_src (default) / ip_dst, 30 s */
	{
		struct det_rule *h = parse("alert ip any any -> any any (hostbits:set,bad.host,dst; "
		                           "hostbits:isset, other; sid:1;)");

		UNIT_CHECK(h != NULL && h->nkws == 2 && h->kws[0].kind == DET_KW_XBITS &&
		               h->kws[0].op == DET_FB_SET && h->kws[0].track == 1 &&
		               h->kws[0].count == 30 && strcmp(h->kws[0].name, "bad.host") == 0 &&
		               h->kws[1].op == DET_FB_ISSET && h->kws[1].track == 0 &&
		               strcmp(h->kws[1].name, "other") == 0,
		           "hostbits:set,name,dst and hostbits:isset,name");
		det_rule_free(h);
		h = parse("alert ip any any -> any any (hostbits:noalert; sid:1;)");
		UNIT_CHECK(h != NULL && h->noalert && h->nkws == 0, "hostbits:noalert");
		det_rule_free(h);
	}
	check_fail("alert ip any any -> any any (hostbits:set,a,both; sid:1;)", SW_E_INVAL,
	           "hostbits: direction 'both' is not implemented (Suricata 7 neither)");
	check_fail("alert ip any any -> any any (hostbits:set,a,src,3600; sid:1;)", SW_E_INVAL,
	           "hostbits: expected '<command>,<name>[,<src|dst>]'");
	check_fail("alert ip any any -> any any (hostbits:flip,a; sid:1;)", SW_E_INVAL,
	           "hostbits: unknown command 'flip'");
	check_fail("alert ip any any -> any any (hostbits:set,a,up; sid:1;)", SW_E_INVAL,
	           "hostbits: unknown direction 'up' (src or dst)");
	/* Google QUIC's CYU: two buffers of quic rules (no longer skipped) */
	r = parse("alert quic any any -> any any (quic.cyu.hash; "
	          "content:\"910a5e3a4d51593bd59a44611544f209\"; quic.cyu.string; "
	          "content:\"46,PAD-SNI\"; startswith; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 &&
	               r->lists[0].buffer == det_buffer_named("quic.cyu.hash") &&
	               r->lists[1].buffer == det_buffer_named("quic.cyu.string") &&
	               det_buffer_named("quic.cyu.hash") >= 0 && r->app_proto == APP_QUIC,
	           "quic.cyu.hash, quic.cyu.string: buffers of quic rules");
	det_rule_free(r);
	check_fail("alert dns any any -> any any (quic.cyu.string; content:\"46,\"; sid:1;)",
	           SW_E_INVAL, "quic.cyu.string: rule protocol is dns");
	/* detect's own buffers (the response side of http.start, the payload of mixed rules) are
	 * not keywords, as Suricata knows none of them */
	check_fail("alert http any any -> any any (http.response_start; content:\"200\"; sid:1;)",
	           SW_E_INVAL, "unknown keyword 'http.response_start'");
	check_fail("alert http any any -> any any (http.request_content_type; content:\"x\"; sid:1;)",
	           SW_E_INVAL, "unknown keyword 'http.request_content_type'");
	check_fail("alert http any any -> any any (@http.request; content:\"GET\"; sid:1;)",
	           SW_E_INVAL, "unknown keyword '@http.request'");
	check_fail("alert tls any any -> any any (@tls.request; content:\"x\"; sid:1;)", SW_E_INVAL,
	           "unknown keyword '@tls.request'");
	/* Suricata 7's http.request_header / http.response_header read HTTP/1 too (ET sid 2022925,
	 * shortened): one value per header, header_lowercase applied to each */
	r = parse("alert http $EXTERNAL_NET any -> $HOME_NET any (flow:established,to_client; "
	          "http.stat_code; content:\"401\"; http.response_header; header_lowercase; "
	          "content:\"www-authenticate|3a 20|Basic|20|realm|3d 22|\"; nocase; "
	          "content:\"has been blocked\"; nocase; distance:0; fast_pattern; sid:2022925;)");
	UNIT_CHECK(r != NULL && r->nlists == 2 &&
	               r->lists[1].buffer == det_buffer_named("http.response_header") &&
	               r->lists[1].buffer != det_buffer_named("@http.response_header") &&
	               r->lists[1].nxf == 1 && r->lists[1].xf[0].kind == DET_XF_HEADER_LOWER &&
	               r->lists[1].n == 2,
	           "http.response_header; header_lowercase: a list of its own, transformed");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.request_header; content:\"x-a: 1\"; sid:1;)");
	UNIT_CHECK(r != NULL && r->nlists == 1 &&
	               r->lists[0].buffer == det_buffer_named("http.request_header"),
	           "http.request_header loads");
	det_rule_free(r);
}

/* ---- geoip (detect_geoip.c) ----------------------------------------------------------------- */

/* Whether opts parses into one geoip keyword of direction dir, negation neg and these codes. */
static void
check_geoip(const char *opts, int dir, bool neg, const char *codes)
{
	char text[512], name[600];
	struct det_rule *r;
	const struct det_kw *k;

	snprintf(text, sizeof(text), "alert ip any any -> any any (%s sid:1;)", opts);
	r = parse(text);
	k = r != NULL && r->nkws == 1 ? &r->kws[0] : NULL;
	snprintf(name, sizeof(name), "geoip: %s", opts);
	UNIT_CHECK(k != NULL && k->kind == DET_KW_GEOIP && k->track == dir && k->negated == neg &&
	               k->name != NULL && strcmp(k->name, codes) == 0 &&
	               k->count == strlen(codes) / 2 && !r->kw_packet && !r->kw_msg &&
	               r->app_proto == APP_NONE,
	           name);
	if (r == NULL)
		printf("#   rc %d: %s\n", last_rc, perr.reason);
	det_rule_free(r);
}

static void
test_geoip(void)
{
	char many[400];
	size_t n;

	/* the forms of Suricata 7's documentation and unit tests */
	check_geoip("geoip: src,RU;", DET_GEO_SRC, false, "RU");
	check_geoip("geoip: both,CN,RU;", DET_GEO_BOTH, false, "CNRU");
	check_geoip("geoip: dst,CN,RU,IR;", DET_GEO_DST, false, "CNRUIR");
	check_geoip("geoip: both,US,CA,UK;", DET_GEO_BOTH, false, "USCAUK");
	check_geoip("geoip: any,CN,IR;", DET_GEO_ANY, false, "CNIR");
	check_geoip("geoip:US;", DET_GEO_ANY, false, "US");
	check_geoip("geoip:!US;", DET_GEO_ANY, true, "US");
	check_geoip("geoip:src,US;", DET_GEO_SRC, false, "US");
	check_geoip("geoip:dst,!US;", DET_GEO_DST, true, "US");
	check_geoip("geoip:US,ES,UK;", DET_GEO_ANY, false, "USESUK");
	/* a '!' on any code negates the whole list, as in Suricata */
	check_geoip("geoip:both,!US,ES,UK;", DET_GEO_BOTH, true, "USESUK");
	check_geoip("geoip:src,US,!ES;", DET_GEO_SRC, true, "USES");
	check_geoip("geoip: dst , JP , ! CN ;", DET_GEO_DST, true, "JPCN");
	check_geoip("geoip:\"src,US\";", DET_GEO_SRC, false, "US");
	/* malformed */
	check_fail("alert ip any any -> any any (geoip; sid:1;)", SW_E_INVAL, "geoip: missing value");
	check_fail("alert ip any any -> any any (geoip:src; sid:1;)", SW_E_INVAL,
	           "geoip: no country code after 'src'");
	check_fail("alert ip any any -> any any (geoip:both,; sid:1;)", SW_E_INVAL,
	           "geoip: empty item 1 in the list");
	check_fail("alert ip any any -> any any (geoip:src,US,,JP; sid:1;)", SW_E_INVAL,
	           "geoip: empty item 2 in the list");
	check_fail("alert ip any any -> any any (geoip:src,!; sid:1;)", SW_E_INVAL,
	           "geoip: empty item 1 in the list");
	check_fail("alert ip any any -> any any (geoip:src,USA; sid:1;)", SW_E_INVAL,
	           "geoip: bad country code 'USA': expected two upper-case letters (ISO 3166 "
	           "alpha-2, as the database has them: US, JP)");
	check_fail("alert ip any any -> any any (geoip:src,us; sid:1;)", SW_E_INVAL,
	           "geoip: bad country code 'us': expected two upper-case letters (ISO 3166 "
	           "alpha-2, as the database has them: US, JP)");
	check_fail("alert ip any any -> any any (geoip:!src,US; sid:1;)", SW_E_INVAL,
	           "geoip: bad country code 'src': expected two upper-case letters (ISO 3166 "
	           "alpha-2, as the database has them: US, JP)");
	check_fail("alert ip any any -> any any (geoip:dest,US; sid:1;)", SW_E_INVAL,
	           "geoip: bad country code 'dest': expected two upper-case letters (ISO 3166 "
	           "alpha-2, as the database has them: US, JP)");
	/* at most 64 codes */
	n = (size_t)snprintf(many, sizeof(many), "alert ip any any -> any any (geoip:any");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, ",%c%c", 'A' + i / 26, 'A' + i % 26);
	snprintf(many + n, sizeof(many) - n, "; sid:1;)");
	check_ok(many);
	snprintf(many + n, sizeof(many) - n, ",ZZ; sid:1;)");
	check_fail(many, SW_E_INVAL, "geoip: more than 64 country codes");
	/* no database: never (the engine skips such rules; see tests/detect/geoip.sh) */
	{
		struct det_rule *r = parse("alert ip any any -> any any (geoip:!US; sid:1;)");
		struct sw_addr a = {{10, 0, 0, 1}}, b = {{10, 0, 0, 2}};

		UNIT_CHECK(r != NULL && !det_geoip_match(NULL, &r->kws[0], 4, &a, &b, NULL),
		           "geoip without a database: no match");
		det_rule_free(r);
	}
}

/* ---- realistic rules ------------------------------------------------------------------------- */

static void
test_realistic(void)
{
	struct det_rule *r;

	check_ok("alert http $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET MALWARE Possible Loader "
	         "Checkin\"; flow:established,to_server; http.method; content:\"POST\"; "
	         "http.uri; content:\"/gate.php\"; endswith; fast_pattern; http.user_agent; "
	         "content:\"Mozilla/4.0 (compatible|3b| MSIE 6.0)\"; http.header; "
	         "content:!\"Referer|3a|\"; reference:url,example.org/loader; "
	         "classtype:command-and-control; sid:2030001; rev:2; metadata:affected_product "
	         "Windows_XP_Vista_7_8_10_Server_32_64_Bit, attack_target Client_Endpoint, "
	         "created_at 2020_05_01, deployment Perimeter, signature_severity Major, "
	         "updated_at 2020_05_01;)");
	check_ok("alert dns $HOME_NET any -> any any (msg:\"ET DNS Query to a *.top domain - "
	         "Likely Hostile\"; dns.query; content:\".top\"; nocase; endswith; "
	         "threshold:type limit, track by_src, count 1, seconds 3600; "
	         "classtype:bad-unknown; sid:2023883; rev:3;)");
	check_ok("alert tls $EXTERNAL_NET 443 -> $HOME_NET any (msg:\"ET INFO Observed Let's "
	         "Encrypt Certificate for Suspicious TLD (.xyz)\"; flow:from_server,established; "
	         "tls.cert_subject; content:\"CN=\"; content:\".xyz\"; distance:0; endswith; "
	         "tls.cert_issuer; content:\"Let's Encrypt\"; classtype:bad-unknown; "
	         "sid:2025000; rev:1;)");
	check_ok("alert tcp $EXTERNAL_NET any -> $HOME_NET 445 (msg:\"ET EXPLOIT Possible "
	         "ETERNALBLUE Probe\"; flow:to_server,established; content:\"|FF|SMB|25 00 00 00 "
	         "00|\"; offset:4; depth:9; content:\"|00 00 00 00|\"; distance:0; within:4; "
	         "byte_test:2,>,0x0008,52,relative,little; pcre:\"/^.{27}\\x00\\x00/Rs\"; "
	         "classtype:trojan-activity; sid:2024217; rev:3;)");
	check_ok("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"ET TROJAN old "
	         "style\"; flow:established,to_server; content:\"GET\"; http_method; "
	         "content:\"/index.asp?id=\"; http_uri; content:\"&v=\"; http_uri; distance:0; "
	         "content:\"User-Agent|3a| Agent\"; http_header; pcre:\"/\\?id=[0-9]{8}&v=/U\"; "
	         "classtype:trojan-activity; sid:2008001; rev:5;)");
	check_ok("alert udp $HOME_NET any -> any 53 (msg:\"ET DNS Query for .onion\"; "
	         "content:\"|01 00 00 01 00 00 00 00 00 00|\"; depth:10; offset:2; "
	         "content:\"|05|onion|00|\"; distance:0; fast_pattern; classtype:bad-unknown; "
	         "sid:2014939; rev:4;)");
	check_ok("alert tcp any any -> $HOME_NET 22 (msg:\"ET SCAN SSH brute force\"; "
	         "flow:to_server; flags:S,CE; threshold: type threshold, track by_src, count 5, "
	         "seconds 120; classtype:attempted-recon; sid:2001219; rev:20;)");
	check_ok("alert http any any -> any any (msg:\"file with MZ\"; flow:established,"
	         "to_client; file.data; content:\"MZ\"; startswith; content:\"This program\"; "
	         "distance:0; isdataat:100,relative; classtype:policy-violation; sid:3000001;)");
	check_ok("alert tcp-pkt any any -> any any (msg:\"pkt\"; content:\"x\"; sid:3000002;)");

	r = parse("alert tcp $EXTERNAL_NET any -> $HOME_NET 445 (msg:\"e\"; content:\"|FF|SMB\"; "
	          "byte_extract:2,26,len,relative,little; byte_test:2,>,len,0,relative; "
	          "sid:3000003;)");
	UNIT_CHECK(r != NULL && r->lists[0].n == 3, "byte_extract then byte_test with it");
	det_rule_free(r);
}

/* ---- classification and reference files ------------------------------------------------------ */

static void
test_class_files(void)
{
	struct det_classes c;
	char path[512] = "/tmp/sw_test_class_XXXXXX", path2[512];
	const struct det_classtype *ct;
	const char *top;
	FILE *fp;
	int fd, rc;

	memset(&c, 0, sizeof(c));
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		UNIT_CHECK(0, "temp file");
		return;
	}
	fputs("# comment\n\nconfig classification: one,First One,1\n"
	      "config classification:two , Second, with comma ,2\n"
	      "config classification: bad line\n"
	      "config classification: three,Third,x\n"
	      "something else\n"
	      "config classification: one,Again,3\n"
	      "config reference: cve http://cve.example/?id=\n"
	      "config reference: bad\n",
	      fp);
	fclose(fp);
	sw_log_set_level(SW_LOG_ERROR); /* the bad lines are reported as warnings */
	rc = det_classes_load(&c, path);
	UNIT_CHECK(rc == 0 && c.n == 2, "two good classes, bad lines skipped");
	ct = det_classes_find(&c, "TWO");
	UNIT_CHECK(ct != NULL && ct->priority == 2, "find is case-insensitive");
	UNIT_CHECK_STR(ct != NULL ? ct->description : "", "Second, with comma",
	               "description may hold commas");
	ct = det_classes_find(&c, "one");
	UNIT_CHECK(ct != NULL && ct->priority == 1, "first definition kept");
	rc = det_refs_load(&c, path);
	UNIT_CHECK(rc == 0 && c.nrefs == 1 && strcmp(c.ref_urls[0], "http://cve.example/?id=") == 0,
	           "reference line");
	det_classes_free(&c);
	det_classes_free(&c);
	UNIT_CHECK(det_classes_load(&c, "/nonexistent/x.config") == SW_E_IO, "missing file");
	unlink(path);
	sw_log_set_level(SW_LOG_WARN);

	/* the shipped files */
	memset(&c, 0, sizeof(c));
	top = getenv("top_srcdir");
	snprintf(path, sizeof(path), "%s/conf/classification.config", top ? top : ".");
	rc = det_classes_load(&c, path);
	UNIT_CHECK(rc == 0 && c.n >= 40, "conf/classification.config loads");
	ct = det_classes_find(&c, "command-and-control");
	UNIT_CHECK(ct != NULL && ct->priority == 1, "command-and-control is priority 1");
	ct = det_classes_find(&c, "not-suspicious");
	UNIT_CHECK(ct != NULL && ct->priority == 3, "not-suspicious is priority 3");
	snprintf(path2, sizeof(path2), "%s/conf/reference.config", top ? top : ".");
	rc = det_refs_load(&c, path2);
	UNIT_CHECK(rc == 0 && c.nrefs >= 10, "conf/reference.config loads");
	det_classes_free(&c);
}

/* ---- dataset, datarep, hostbits (issue 14) -------------------------------------------------- */

static const struct det_dsref *
ds_item(const struct det_rule *r)
{
	for (uint32_t i = 0; r != NULL && i < r->nlists; i++)
		for (uint32_t j = 0; j < r->lists[i].n; j++)
			if (r->lists[i].items[j].kind == DET_ITEM_DATASET)
				return &r->lists[i].items[j].u.ds;
	return NULL;
}

static void
test_datasets(void)
{
	const struct det_dsref *d;
	struct det_rule *r;

	/* the documentation's forms */
	r = parse("alert dns any any -> any any (msg:\"dns list test\"; dns.query; to_sha256; "
	          "dataset:isset,dns-sha256-seen; sid:123; rev:1;)");
	d = ds_item(r);
	UNIT_CHECK(d != NULL && d->cmd == DET_DS_ISSET && strcmp(d->name, "dns-sha256-seen") == 0 &&
	               d->type == DET_DS_NONE && !d->is_rep && r->lists[0].nxf == 1,
	           "dataset:isset,name after a transform");
	det_rule_free(r);
	r = parse("alert http any any -> any any (msg:\"LOCAL HTTP new UA\"; http.user_agent; "
	          "dataset:set,http-ua-seen, type string, state http-ua-seen.csv; sid:8000001; rev:1;)");
	d = ds_item(r);
	UNIT_CHECK(d != NULL && d->cmd == DET_DS_SET && d->type == DET_DS_STRING &&
	               d->state != NULL && strcmp(d->state, "http-ua-seen.csv") == 0 &&
	               d->load == NULL && d->save == NULL,
	           "dataset:set with type and state");
	det_rule_free(r);
	r = parse("alert dns any any -> any any (dns.query; to_md5; datarep:dns_md5, >, 200, load "
	          "dns_md5.rep, type md5, memcap 100mb, hashsize 2048; sid:1;)");
	d = ds_item(r);
	UNIT_CHECK(d != NULL && d->cmd == DET_DS_REP && d->is_rep && d->rep_op == DET_DS_GT &&
	               d->rep_value == 200 && d->type == DET_DS_MD5 &&
	               d->memcap == 100ull << 20 && d->hashsize == 2048 &&
	               strcmp(d->load, "dns_md5.rep") == 0,
	           "datarep with every option");
	det_rule_free(r);
	r = parse("alert dns any any -> any any (dns.query; datarep:s,==,7; sid:1;)");
	d = ds_item(r);
	UNIT_CHECK(d != NULL && d->rep_op == DET_DS_EQ && d->rep_value == 7, "datarep ==");
	det_rule_free(r);
	r = parse("alert http any any -> any any (http.host; dotprefix; dataset:unset,h, type ip, "
	          "save h.lst; sid:1;)");
	d = ds_item(r);
	UNIT_CHECK(d != NULL && d->cmd == DET_DS_UNSET && d->type == DET_DS_IP &&
	               strcmp(d->save, "h.lst") == 0,
	           "dataset:unset, type ip, save");
	det_rule_free(r);
	/* errors, exactly */
	check_fail("alert dns any any -> any any (dataset:isset,x; sid:1;)", SW_E_INVAL,
	           "dataset: needs a sticky buffer before it");
	check_fail("alert http any any -> any any (http.uri; base64_decode; base64_data; "
	           "dataset:isset,x, type string; sid:1;)",
	           SW_E_INVAL, "dataset: not on base64_data");
	check_fail("alert dns any any -> any any (dns.query; dataset:isset; sid:1;)", SW_E_INVAL,
	           "dataset: expected '<set|unset|isset|isnotset>,<name>[, type <t>, load <file>, "
	           "state <file>, save <file>, memcap <size>, hashsize <n>]'");
	check_fail("alert dns any any -> any any (dns.query; dataset:add,x; sid:1;)", SW_E_INVAL,
	           "dataset: unknown command 'add' (set, unset, isset or isnotset)");
	check_fail("alert dns any any -> any any (dns.query; dataset:isset,a b; sid:1;)", SW_E_INVAL,
	           "dataset: bad name 'a b'");
	check_fail("alert dns any any -> any any (dns.query; dataset:isset,x, type sha1; sid:1;)",
	           SW_E_INVAL, "dataset: unknown type 'sha1' (string, md5, sha256, ipv4 or ip)");
	check_fail("alert dns any any -> any any (dns.query; dataset:isset,x, type md5, type md5; "
	           "sid:1;)",
	           SW_E_INVAL, "dataset: 'type' given twice");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, type string, load a, "
	           "state b; sid:1;)",
	           SW_E_INVAL, "dataset: 'load' and 'state' cannot be mixed");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, type string, save a, "
	           "state b; sid:1;)",
	           SW_E_INVAL, "dataset: 'save' and 'state' cannot be mixed");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, type string, memcap "
	           "lots; sid:1;)",
	           SW_E_INVAL, "dataset: bad memcap 'lots'");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, type string, hashsize "
	           "0; sid:1;)",
	           SW_E_INVAL, "dataset: bad hashsize '0' (1 to 16777216)");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, type string, load; "
	           "sid:1;)",
	           SW_E_INVAL, "dataset: 'load' needs a file name");
	check_fail("alert dns any any -> any any (dns.query; dataset:set,x, colour red; sid:1;)",
	           SW_E_INVAL, "dataset: unknown option 'colour'");
	check_unsupp("alert http any any -> any any (http.host; dataset:isset,t, load f.json, format "
	             "json, value_key host; sid:1;)",
	             "dataset:format");
	check_fail("alert dns any any -> any any (dns.query; datarep:x,>; sid:1;)", SW_E_INVAL,
	           "datarep: expected '<name>,<operator>,<value>[, load <file>, type <t>, memcap "
	           "<size>, hashsize <n>]'");
	check_fail("alert dns any any -> any any (dns.query; datarep:x,>=,1; sid:1;)", SW_E_INVAL,
	           "datarep: unknown operator '>=' (>, < or ==)");
	check_fail("alert dns any any -> any any (dns.query; datarep:x,>,65536; sid:1;)",
	           SW_E_INVAL, "datarep: bad value '65536' (0 to 65535)");
	check_fail("alert dns any any -> any any (dns.query; datarep:x,>,1, state s; sid:1;)",
	           SW_E_INVAL, "datarep: unknown option 'state'");

	/* hostbits: xbits per host */
	r = parse("alert ip any any -> any any (hostbits:set,bad.host,dst; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_XBITS &&
	               r->kws[0].op == DET_FB_SET && r->kws[0].track == 1 &&
	               r->kws[0].count == 30 && strcmp(r->kws[0].name, "bad.host") == 0,
	           "hostbits:set,name,dst");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (hostbits:isnotset,h; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].op == DET_FB_ISNOTSET &&
	               r->kws[0].track == 0,
	           "hostbits: src by default");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (hostbits:toggle,h,src; hostbits:noalert; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].op == DET_FB_TOGGLE && r->noalert,
	           "hostbits:toggle and hostbits:noalert");
	det_rule_free(r);
	{
		struct det_rule *x = parse("alert ip any any -> any any (xbits:set,h,track ip_src; "
		                           "sid:1;)");

		r = parse("alert ip any any -> any any (hostbits:set,h; sid:1;)");
		UNIT_CHECK(r != NULL && x != NULL && r->kws[0].hash == x->kws[0].hash,
		           "hostbits and xbits name the same bits");
		det_rule_free(r);
		det_rule_free(x);
	}
	check_fail("alert ip any any -> any any (hostbits:set,h,both; sid:1;)", SW_E_INVAL,
	           "hostbits: direction 'both' is not implemented (Suricata 7 neither)");
	check_fail("alert ip any any -> any any (hostbits:set,h,ip_src; sid:1;)", SW_E_INVAL,
	           "hostbits: unknown direction 'ip_src' (src or dst)");
	check_fail("alert ip any any -> any any (hostbits:flip,h; sid:1;)", SW_E_INVAL,
	           "hostbits: unknown command 'flip'");
	check_fail("alert ip any any -> any any (hostbits:set; sid:1;)", SW_E_INVAL,
	           "hostbits: expected '<command>,<name>[,<src|dst>]'");
	check_fail("alert ip any any -> any any (hostbits:set,h,src,60; sid:1;)", SW_E_INVAL,
	           "hostbits: expected '<command>,<name>[,<src|dst>]'");

	/* iprep: the documentation's forms; the category is numbered by the engine */
	r = parse("alert ip $HOME_NET any -> any any (msg:\"IPREP internal host talking to CnC "
	          "server\"; flow:to_server; iprep:dst,CnC,>,30; sid:1; rev:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 1 && r->kws[0].kind == DET_KW_IPREP &&
	               r->kws[0].track == 2 && r->kws[0].op == DET_IPREP_GT &&
	               r->kws[0].count == 30 && strcmp(r->kws[0].name, "CnC") == 0,
	           "iprep:dst,CnC,>,30");
	det_rule_free(r);
	r = parse("alert ip $HOME_NET any -> any any (iprep:src,known-bad-hosts,isset; sid:1;)");
	UNIT_CHECK(r != NULL && r->kws[0].track == 1 && r->kws[0].op == DET_IPREP_ISSET,
	           "iprep:src,name,isset");
	det_rule_free(r);
	r = parse("alert ip any any -> any any (iprep:both,trusted_hosts,isnotset; "
	          "iprep:any,x,<=,127; sid:1;)");
	UNIT_CHECK(r != NULL && r->nkws == 2 && r->kws[0].track == 3 &&
	               r->kws[0].op == DET_IPREP_ISNOTSET && r->kws[1].track == 0 &&
	               r->kws[1].op == DET_IPREP_LE && r->kws[1].count == 127,
	           "iprep both isnotset, any <=");
	det_rule_free(r);
	check_fail("alert ip any any -> any any (iprep:src,CnC,>; sid:1;)", SW_E_INVAL,
	           "iprep: bad score '' (0 to 127)");
	check_fail("alert ip any any -> any any (iprep:src,CnC,>,128; sid:1;)", SW_E_INVAL,
	           "iprep: bad score '128' (0 to 127)");
	check_fail("alert ip any any -> any any (iprep:up,CnC,>,1; sid:1;)", SW_E_INVAL,
	           "iprep: unknown side 'up' (any, src, dst or both)");
	check_fail("alert ip any any -> any any (iprep:src,CnC,!=,1; sid:1;)", SW_E_INVAL,
	           "iprep: unknown operator '!=' (<, <=, >, >=, =, isset, isnotset)");
	check_fail("alert ip any any -> any any (iprep:src,CnC,isset,1; sid:1;)", SW_E_INVAL,
	           "iprep: isset takes no value");
	check_fail("alert ip any any -> any any (iprep:src; sid:1;)", SW_E_INVAL,
	           "iprep: expected '<any|src|dst|both>,<category>,<op>,<value>' or "
	           "'<side>,<category>,<isset|isnotset>'");
}

/* bothways (issue 14): an undirected rule on buffers Suricata 7 reads in both messages gets a
 * twin on the other message; a direction (flow, a one-way buffer) or a payload/file.data list
 * leaves one rule */
static void
test_bothways(void)
{
	static const struct {
		const char *opts, *rule_buf, *twin_buf; /* twin_buf NULL: no twin */
	} cases[] = {
	    {"http.header; content:\"Server|3a|\"", "http.header", "@http.response_header"},
	    {"content:\"Server|3a|\"; http_header", "http.header", "@http.response_header"},
	    {"http.header.raw; content:\"Server\"", "http.header.raw", "@http.response_header.raw"},
	    {"http.header_names; content:\"|0d 0a|Server\"", "http.header_names",
	     "@http.response_header_names"},
	    {"http.start; content:\"HTTP/1.1\"", "http.start", "@http.response_start"},
	    {"http.content_len; content:\"131\"", "http.content_len", "@http.response_content_len"},
	    {"http.content_type; content:\"text\"", "http.content_type", "@http.request_content_type"},
	    {"http.cookie; content:\"id=\"", "http.cookie", "@http.response_cookie"},
	    {"content:\"id=\"; http_cookie", "http.cookie", "@http.response_cookie"},
	    {"flow:established; http.header; content:\"X\"", "http.header", "@http.response_header"},
	    {"flow:to_server; http.header; content:\"X\"", "http.header", NULL},
	    {"flow:to_client; http.header; content:\"X\"", "@http.response_header", NULL},
	    {"flow:to_client; http.cookie; content:\"id=\"", "@http.response_cookie", NULL},
	    {"flow:to_server; http.cookie; content:\"id=\"", "http.cookie", NULL},
	    {"flow:to_server; http.content_type; content:\"form\"", "@http.request_content_type",
	     NULL},
	    {"http.method; content:\"GET\"; http.header; content:\"X\"", "http.header", NULL},
	    {"http.stat_code; content:\"200\"; http.header; content:\"X\"", "@http.response_header",
	     NULL},
	    {"http.stat_code; content:\"200\"; http.cookie; content:\"id=\"",
	     "@http.response_cookie", NULL},
	    {"http.uri; content:\"/a\"; http.cookie; content:\"id=\"", "http.cookie", NULL},
	    {"file.data; content:\"MZ\"; http.header; content:\"X\"", "http.header", NULL},
	    {"content:\"GET \"; http.header; content:\"X\"", "http.header", NULL},
	    /* http.protocol: the request line's, the status line's (detect-http-protocol.c) */
	    {"http.protocol; content:\"HTTP/1.0\"", "http.protocol", "@http.response_protocol"},
	    {"http_protocol; content:\"HTTP/1.0\"", "http.protocol", "@http.response_protocol"},
	    {"flow:to_server; http.protocol; content:\"HTTP/1.0\"", "http.protocol", NULL},
	    {"flow:to_client; http.protocol; content:\"HTTP/1.0\"", "@http.response_protocol",
	     NULL},
	    {"http.method; content:\"GET\"; http.protocol; content:\"HTTP/1.0\"", "http.protocol",
	     NULL},
	    {"http.stat_code; content:\"200\"; http.protocol; content:\"HTTP/1.0\"",
	     "@http.response_protocol", NULL},
	};
	char rule[400], name[300];
	struct det_rule *r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct det_rule *tw;

		snprintf(name, sizeof(name), "bothways %s: reads %s, %s%s", cases[i].opts,
		         cases[i].rule_buf, cases[i].twin_buf ? "twin reads " : "no twin",
		         cases[i].twin_buf ? cases[i].twin_buf : "");
		snprintf(rule, sizeof(rule), "alert http any any -> any any (%s; sid:7;)",
		         cases[i].opts);
		tw = (r = parse(rule)) != NULL ? r->twin : NULL;
		UNIT_CHECK(r != NULL && !r->is_twin &&
		               list_of(r, det_buffer_named(cases[i].rule_buf)) != NULL &&
		               (cases[i].twin_buf == NULL
		                    ? tw == NULL
		                    : tw != NULL && tw->is_twin && tw->twin == NULL && tw->sid == 7 &&
		                          tw->nlists == r->nlists && tw->flow == r->flow &&
		                          list_of(tw, det_buffer_named(cases[i].twin_buf)) != NULL &&
		                          list_of(tw, det_buffer_named(cases[i].rule_buf)) == NULL),
		           name);
		det_rule_free(r);
	}
	/* two buffers: the rule reads the request's (http.content_type too), the twin the response's */
	r = parse("alert http any any -> any any (http.content_type; content:\"text\"; http.header; "
	          "content:\"X\"; sid:8;)");
	UNIT_CHECK(r != NULL && r->twin != NULL &&
	               list_of(r, det_buffer_named("@http.request_content_type")) != NULL &&
	               list_of(r, det_buffer_named("http.header")) != NULL &&
	               list_of(r->twin, det_buffer_named("http.content_type")) != NULL &&
	               list_of(r->twin, det_buffer_named("@http.response_header")) != NULL,
	           "bothways content_type and header: request's together, response's together");
	det_rule_free(r);
	/* the response's buffers stay unnamable */
	check_fail("alert http any any -> any any (@http.response_cookie; content:\"id\"; sid:1;)",
	           SW_E_INVAL, "unknown keyword '@http.response_cookie'");
	check_fail("alert http any any -> any any (@http.response_protocol; content:\"HTTP\"; sid:1;)",
	           SW_E_INVAL, "unknown keyword '@http.response_protocol'");
}

int
main(void)
{
	struct det_classtype cts[] = {
	    {"trojan-activity", "A Network Trojan was detected", 1},
	    {"bad-unknown", "Potentially Bad Traffic", 2},
	    {"command-and-control", "Malware Command and Control Activity Detected", 1},
	    {"attempted-recon", "Attempted Information Leak", 2},
	    {"policy-violation", "Potential Corporate Privacy Violation", 1},
	};
	char *refn[] = {"cve", "url", "bugtraq"}, *refu[] = {"http://cve/", "http://", "http://b/"};

	if (det_vars_defaults(&vars) != 0)
		return 1;
	classes.v = cts;
	classes.n = sizeof(cts) / sizeof(cts[0]);
	classes.ref_names = refn;
	classes.ref_urls = refu;
	classes.nrefs = 3;

	test_addr();
	test_header();
	test_meta();
	test_content();
	test_buffers();
	test_http14();
	test_xform_apply();
	test_pcre_byte();
	test_state();
	test_unsupported();
	test_replace();
	test_datasets();
	test_kw_other();
	test_hdr_kw();
	test_hdrbuf();
	test_meta7();
	test_kw_app();
	test_geoip();
	test_realistic();
	test_class_files();
	test_frame();
	test_bothways();

	UNIT_CHECK(det_rule_parse("", "f", 1, &vars, NULL, &(struct det_rule *){NULL}, &perr) ==
	               SW_E_INVAL,
	           "empty text");
	det_rule_free(NULL);
	det_vars_free(&vars);
	det_vars_free(&vars);
	return unit_done();
}
