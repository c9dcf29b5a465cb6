/* tests/unit/cti/test_cti_value.c: URL normalization (RFC 3986 6.2.2, 5.2.4 dot segments),
 * value type guessing, host names and feed dates of src/cti/. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cti/cti.h"
#include "cti/cti_int.h"
#include "unit.h"

static void
check_url(const char *in, const char *want)
{
	char buf[CTI_URL_MAX + 16], name[512];
	int n = cti_url_normalize(in, strlen(in), buf, sizeof(buf));

	snprintf(name, sizeof(name), "url '%s' -> '%s'", in, want ? want : "(invalid)");
	if (want == NULL) {
		UNIT_CHECK(n < 0, name);
		return;
	}
	UNIT_CHECK_STR(n >= 0 ? buf : "(invalid)", want, name);
	if (n >= 0)
		UNIT_CHECK((size_t)n == strlen(want), "length returned");
}

static void
test_url(void)
{
	/* case: scheme and host lower-cased, path and query kept */
	check_url("HTTP://Evil.EXAMPLE/Path/File.PHP?Q=A", "http://evil.example/Path/File.PHP?Q=A");
	/* default ports */
	check_url("http://evil.example:80/x", "http://evil.example/x");
	check_url("https://evil.example:443/x", "https://evil.example/x");
	check_url("http://evil.example:443/x", "http://evil.example:443/x");
	check_url("https://evil.example:80/x", "https://evil.example:80/x");
	check_url("http://evil.example:0080/x", "http://evil.example/x");
	check_url("http://evil.example:8080/x", "http://evil.example:8080/x");
	check_url("http://evil.example:/x", "http://evil.example/x");
	check_url("http://evil.example:99999/x", NULL);
	check_url("http://evil.example:8a/x", NULL);
	/* empty path, trailing dot of the host */
	check_url("http://evil.example", "http://evil.example/");
	check_url("http://evil.example.", "http://evil.example/");
	check_url("http://evil.example?a=1", "http://evil.example/?a=1");
	/* dot segments, RFC 3986 5.2.4 and its examples */
	check_url("http://a/b/c/./../../g", "http://a/g");
	check_url("http://a/mid/content=5/../6", "http://a/mid/6");
	check_url("http://a/b/c/d;p/../../g", "http://a/b/g");
	check_url("http://a/./b", "http://a/b");
	check_url("http://a/../b", "http://a/b");
	check_url("http://a/../../../b", "http://a/b");
	check_url("http://a/b/..", "http://a/");
	check_url("http://a/b/.", "http://a/b/");
	check_url("http://a/b/c/..", "http://a/b/");
	check_url("http://a/b//../c", "http://a/b/c");
	check_url("http://a/b/...", "http://a/b/...");
	check_url("http://a/b/..x/y", "http://a/b/..x/y");
	check_url("http://a/.", "http://a/");
	check_url("http://a/..", "http://a/");
	check_url("http://a/b/c/", "http://a/b/c/");
	check_url("http://a//b", "http://a//b");
	/* dot segments in the query are not path segments */
	check_url("http://a/b?x=/../y", "http://a/b?x=/../y");
	/* percent-encoding: unreserved decoded, others upper-cased, invalid kept */
	check_url("http://a/%7euser/%41%42c", "http://a/~user/ABc");
	check_url("http://a/%2fetc%2Fpasswd", "http://a/%2Fetc%2Fpasswd");
	check_url("http://a/x%20y%3a", "http://a/x%20y%3A");
	check_url("http://a/%2e%2E/b", "http://a/b");
	check_url("http://a/b/%2e/c", "http://a/b/c");
	check_url("http://a/%zz%4", "http://a/%25zz%254");
	check_url("http://a/%2%44%7", "http://a/%252D%257");
	check_url("http://a/%252D", "http://a/%252D");
	check_url("http://a/%", "http://a/%25");
	check_url("http://a/%2D%2e%5F%7E%30", "http://a/-._~0");
	/* the query is kept as it is; the fragment is dropped */
	check_url("http://a/p?%7e=%2e&b", "http://a/p?%7e=%2e&b");
	check_url("http://a/p?q#frag", "http://a/p?q");
	check_url("http://a/p#frag?x", "http://a/p");
	check_url("http://a#frag", "http://a/");
	/* userinfo kept, host after the last '@' */
	check_url("http://User:Pw@Evil.Example:80/x", "http://User:Pw@evil.example/x");
	/* IPv6 literal */
	check_url("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x");
	check_url("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x");
	check_url("http://[2001:db8::1/x", NULL);
	/* no scheme: taken as http */
	check_url("Evil.Example/x.php", "http://evil.example/x.php");
	check_url("ftp://Files.Example:21/a/../b", "ftp://files.example:21/b");
	/* bad */
	check_url("http:///x", NULL);
	check_url("http://a b/x", NULL);
	check_url("http://a/x y", NULL);
	check_url("", NULL);
	check_url("http://:80/", NULL);
	{
		char big[CTI_URL_MAX + 32], out[CTI_URL_MAX + 64];

		memcpy(big, "http://a/", 9);
		memset(big + 9, 'x', sizeof(big) - 10);
		big[sizeof(big) - 1] = '\0';
		UNIT_CHECK(cti_url_normalize(big, strlen(big), out, sizeof(out)) < 0,
		           "a URL longer than CTI_URL_MAX is refused");
		UNIT_CHECK(cti_url_normalize("http://a/bcdef", 14, out, 10) < 0,
		           "a buffer too small is refused, not overrun");
	}
}

static void
check_guess(const char *v, int want)
{
	char name[256];

	snprintf(name, sizeof(name), "guess '%s' is %s", v,
	         want < 0 ? "nothing" : cti_type_name(want));
	UNIT_CHECK(cti_value_guess(v, strlen(v)) == want, name);
}

static void
test_guess(void)
{
	check_guess("10.0.0.1", CTI_T_IPV4);
	check_guess("10.0.0.0/8", CTI_T_IPV4);
	check_guess("0.0.0.0/0", CTI_T_IPV4);
	check_guess("10.0.0.0/33", -1);
	check_guess("2001:db8::1", CTI_T_IPV6);
	check_guess("2001:db8::/32", CTI_T_IPV6);
	check_guess("::/0", CTI_T_IPV6);
	check_guess("2001:db8::/129", -1);
	check_guess("d41d8cd98f00b204e9800998ecf8427e", CTI_T_MD5);
	check_guess("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", CTI_T_SHA1);
	check_guess("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	            CTI_T_SHA256);
	check_guess("d41d8cd98f00b204e9800998ecf8427", -1);
	check_guess("http://evil.example/x", CTI_T_URL);
	check_guess("hxxp://evil.example/x", CTI_T_URL);
	check_guess("evil.example", CTI_T_DOMAIN);
	check_guess("Evil.Example.", CTI_T_DOMAIN);
	check_guess("_dmarc.evil.example", CTI_T_DOMAIN);
	check_guess("localhost", -1);
	check_guess("1.2.3", -1);
	check_guess("evil..example", -1);
	check_guess("evil.example/x", -1);
	check_guess("ev il.example", -1);
	check_guess("", -1);
}

static void
test_domain(void)
{
	char buf[300], long_label[80], long_name[300];
	int n;

	n = cti_domain_normalize("A.B.Evil.Example.", 17, buf, sizeof(buf));
	UNIT_CHECK(n == 16, "trailing dot dropped");
	UNIT_CHECK_STR(buf, "a.b.evil.example", "lower-cased");
	UNIT_CHECK(cti_domain_normalize(".evil.example", 13, buf, sizeof(buf)) < 0,
	           "an empty label is refused");
	UNIT_CHECK(cti_domain_normalize(".", 1, buf, sizeof(buf)) < 0, "the root alone is refused");
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".example", 9);
	UNIT_CHECK(cti_domain_normalize(long_label, strlen(long_label), buf, sizeof(buf)) < 0,
	           "a label of 64 octets is refused");
	UNIT_CHECK(cti_domain_normalize(long_label + 1, strlen(long_label + 1), buf, sizeof(buf)) ==
	               71,
	           "a label of 63 octets is fine");
	for (n = 0; n < 254; n++)
		long_name[n] = n % 2 ? '.' : 'a';
	long_name[253] = 'a';
	UNIT_CHECK(cti_domain_normalize(long_name, 254, buf, sizeof(buf)) < 0,
	           "a name of 254 octets is refused");
	UNIT_CHECK(cti_domain_normalize(long_name, 253, buf, sizeof(buf)) == 253,
	           "a name of 253 octets is fine");
}

static void
test_time(void)
{
	sw_time_t t;

	UNIT_CHECK(cti_time_parse("2026-12-31", 10, &t) == 0 &&
	               t == 1798675200ULL * SW_USEC_PER_SEC,
	           "date");
	UNIT_CHECK(cti_time_parse("2026-12-31T23:59:59Z", 20, &t) == 0 &&
	               t == (1798675200ULL + 86399) * SW_USEC_PER_SEC,
	           "date and time Z");
	UNIT_CHECK(cti_time_parse("2026-12-31T23:59:59.5+01:00", 27, &t) == 0 &&
	               t == (1798675200ULL + 86399 - 3600) * SW_USEC_PER_SEC + 500000,
	           "fraction and offset");
	UNIT_CHECK(cti_time_parse("1798675200", 10, &t) == 0 &&
	               t == 1798675200ULL * SW_USEC_PER_SEC,
	           "seconds since 1970");
	UNIT_CHECK(cti_time_parse("", 0, &t) == 0 && t == 0, "empty: none");
	UNIT_CHECK(cti_time_parse("2026-13-01", 10, &t) != 0, "month 13 refused");
	UNIT_CHECK(cti_time_parse("tomorrow", 8, &t) != 0, "words refused");
	UNIT_CHECK(cti_time_parse("2026-12-31T25:00", 16, &t) != 0, "hour 25 refused");
}

int
main(void)
{
	test_url();
	test_guess();
	test_domain();
	test_time();
	return unit_done();
}
