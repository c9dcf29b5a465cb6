/* tests/unit/cti/test_cti_store.c: the indicator store of src/cti/ (issue 4): CIDR longest
 * prefix, domains and parents, URLs, hashes, provenance, expiry, duplicates, each feed format
 * and its bad-input messages (file:line), per-feed fallback on a failed reload, the config. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cti/cti.h"
#include "unit.h"

#define NOW  (1800000000ULL * SW_USEC_PER_SEC) /* 2027-01-15 */
#define HOUR (3600ULL * SW_USEC_PER_SEC)

/* ---- helpers ----------------------------------------------------------------------------- */

static char captured[65536];
static int saved_fd = -1;
static FILE *cap_fp;

/* Sends stderr (the log) to a temporary file until capture_end(). */
static void
capture_begin(void)
{
	fflush(stderr);
	cap_fp = tmpfile();
	saved_fd = dup(2);
	dup2(fileno(cap_fp), 2);
}

static const char *
capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	rewind(cap_fp);
	n = fread(captured, 1, sizeof(captured) - 1, cap_fp);
	captured[n] = '\0';
	fclose(cap_fp);
	return captured;
}

static bool
has_line(const char *log, const char *line)
{
	const char *p = log;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == log || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

#define CHECK_LOG(log, line, name)                                                                 \
	do {                                                                                       \
		bool found_ = has_line((log), (line));                                             \
		UNIT_CHECK(found_, name);                                                          \
		if (!found_)                                                                       \
			printf("#   want line \"%s\"\n#   log:\n%s", (line), (log));               \
	} while (0)

static struct cti_feed_conf
feed(const char *name, int format, int type, const char *data)
{
	struct cti_feed_conf f;

	memset(&f, 0, sizeof(f));
	f.name = (char *)name;
	f.path = (char *)name;
	f.format = format;
	f.type = type;
	f.confidence = 50;
	f.severity = 2;
	f.data = data;
	f.len = data != NULL ? strlen(data) : 0;
	return f;
}

/* A store of the given feeds; the log of the build in captured. */
static struct cti_store *
build(struct cti_feed_conf *feeds, size_t n, const struct cti_store *prev, uint64_t version)
{
	struct cti_conf conf;
	struct cti_store *s = NULL;
	int r;

	memset(&conf, 0, sizeof(conf));
	conf.feeds = feeds;
	conf.nfeeds = n;
	capture_begin();
	r = cti_store_build(&conf, prev, NOW, version, &s);
	capture_end();
	if (r != 0)
		printf("# build: %s\n", sw_strerror(r));
	return s;
}

static struct cti_store *
build1(const char *name, int format, int type, const char *data)
{
	struct cti_feed_conf f = feed(name, format, type, data);

	return build(&f, 1, NULL, 1);
}

static const char *
ip_hit(const struct cti_store *s, const char *addr, sw_time_t now)
{
	static char out[128];
	struct cti_hit h;
	uint8_t a[16] = {0};
	int fam = strchr(addr, ':') != NULL ? 6 : 4;
	const struct cti_hit *hit;

	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, addr, a) != 1)
		return "(bad test address)";
	hit = cti_store_match_ip(s, fam, a, now, &h);
	snprintf(out, sizeof(out), "%s", hit != NULL ? hit->indicator : "-");
	return out;
}

static const char *
dom_hit(const struct cti_store *s, const char *name)
{
	struct cti_hit h;
	const struct cti_hit *hit = cti_store_match_domain(s, name, strlen(name), NOW, &h);

	return hit != NULL ? hit->indicator : "-";
}

static const char *
url_hit(const struct cti_store *s, const char *url)
{
	struct cti_hit h;
	const struct cti_hit *hit = cti_store_match_url(s, url, strlen(url), NOW, &h);

	return hit != NULL ? hit->indicator : "-";
}

/* ---- matching ---------------------------------------------------------------------------- */

static void
test_cidr(void)
{
	struct cti_store *s =
	    build1("cidr.txt", CTI_FMT_PLAIN, -1,
	           "0.0.0.0/0\n10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n10.1.2.3/32\n"
	           "10.9.9.9/16\n"
	           "::/0\n2001:db8::/32\n2001:db8:1::/48\n2001:db8:1::1/128\n"
	           "2001:db8:2::/127\n");

	UNIT_CHECK(s != NULL, "cidr feed loads");
	UNIT_CHECK(cti_store_count(s, CTI_T_IPV4) == 6 && cti_store_count(s, CTI_T_IPV6) == 5,
	           "6 ipv4 and 5 ipv6 prefixes");
	UNIT_CHECK_STR(ip_hit(s, "10.1.2.3", NOW), "10.1.2.3", "/32 wins over /24 /16 /8 /0");
	UNIT_CHECK_STR(ip_hit(s, "10.1.2.4", NOW), "10.1.2.0/24", "/24 wins");
	UNIT_CHECK_STR(ip_hit(s, "10.1.3.1", NOW), "10.1.0.0/16", "/16 wins");
	UNIT_CHECK_STR(ip_hit(s, "10.2.0.0", NOW), "10.0.0.0/8", "/8 wins");
	UNIT_CHECK_STR(ip_hit(s, "11.0.0.1", NOW), "0.0.0.0/0", "/0 matches everything else");
	UNIT_CHECK_STR(ip_hit(s, "255.255.255.255", NOW), "0.0.0.0/0", "/0 matches the top");
	UNIT_CHECK_STR(ip_hit(s, "10.9.200.1", NOW), "10.9.0.0/16",
	               "host bits of a prefix cleared");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8:1::1", NOW), "2001:db8:1::1", "/128 wins");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8:1::2", NOW), "2001:db8:1::/48", "/48 wins");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8:ffff::1", NOW), "2001:db8::/32", "/32 wins");
	UNIT_CHECK_STR(ip_hit(s, "2001:db9::1", NOW), "::/0", "::/0 matches the rest");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8:2::1", NOW), "2001:db8:2::/127", "/127 covers ::1");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8:2::2", NOW), "2001:db8::/32", "/127 does not cover ::2");
	cti_store_free(s);

	s = build1("near.txt", CTI_FMT_PLAIN, -1, "192.0.2.0/24\n198.51.100.7\n2001:db8::1\n");
	UNIT_CHECK_STR(ip_hit(s, "192.0.2.255", NOW), "192.0.2.0/24", "inside the /24");
	UNIT_CHECK_STR(ip_hit(s, "192.0.3.0", NOW), "-", "the neighbouring /24 above: no match");
	UNIT_CHECK_STR(ip_hit(s, "192.0.1.255", NOW), "-", "the neighbouring /24 below: no match");
	UNIT_CHECK_STR(ip_hit(s, "198.51.100.7", NOW), "198.51.100.7", "address");
	UNIT_CHECK_STR(ip_hit(s, "198.51.100.8", NOW), "-", "next address: no match");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8::1", NOW), "2001:db8::1", "v6 address");
	UNIT_CHECK_STR(ip_hit(s, "2001:db8::2", NOW), "-", "next v6 address: no match");
	{
		uint8_t a[16] = {192, 0, 2, 1};
		struct cti_hit h;

		UNIT_CHECK(cti_store_match_ip(s, 6, a, NOW, &h) == NULL,
		           "a v4 prefix does not match a v6 address of the same bytes");
		UNIT_CHECK(cti_store_match_ip(s, 5, a, NOW, &h) == NULL, "bad family: no match");
		UNIT_CHECK(cti_store_match_ip(NULL, 4, a, NOW, &h) == NULL, "no store: no match");
	}
	cti_store_free(s);
}

static void
test_domain(void)
{
	struct cti_store *s = build1("dom.csv", CTI_FMT_CSV, -1,
	                             "type,value,confidence\n"
	                             "domain,evil.example,10\n"
	                             "domain,Deep.A.Evil.Example.,20\n"
	                             "domain,*.wild.example,30\n"
	                             "domain,tld,40\n");

	UNIT_CHECK(cti_store_count(s, CTI_T_DOMAIN) == 4, "4 domains");
	UNIT_CHECK_STR(dom_hit(s, "evil.example"), "evil.example", "the name itself");
	UNIT_CHECK_STR(dom_hit(s, "EVIL.EXAMPLE."), "evil.example", "case and trailing dot");
	UNIT_CHECK_STR(dom_hit(s, "a.b.evil.example"), "evil.example", "a subdomain");
	UNIT_CHECK_STR(dom_hit(s, "a.evil.example"), "evil.example", "a.evil.example");
	UNIT_CHECK_STR(dom_hit(s, "x.deep.a.evil.example"), "deep.a.evil.example",
	               "the most specific indicator wins");
	UNIT_CHECK_STR(dom_hit(s, "notevil.example"), "-", "notevil.example: no match");
	UNIT_CHECK_STR(dom_hit(s, "evil.example.com"), "-", "evil.example.com: no match");
	UNIT_CHECK_STR(dom_hit(s, "evil-example"), "-", "evil-example: no match");
	UNIT_CHECK_STR(dom_hit(s, "example"), "-", "the parent: no match");
	UNIT_CHECK_STR(dom_hit(s, "x.wild.example"), "wild.example",
	               "*.wild.example stored as wild.example");
	UNIT_CHECK_STR(dom_hit(s, "anything.tld"), "tld",
	               "a one-label indicator covers its subtree");
	UNIT_CHECK_STR(dom_hit(s, "a..evil.example"), "-", "malformed names: no match");
	UNIT_CHECK_STR(dom_hit(s, ""), "-", "empty: no match");
	cti_store_free(s);
}

static void
test_url(void)
{
	struct cti_store *s = build1("url.txt", CTI_FMT_PLAIN, CTI_T_URL,
	                             "http://malware.example/gate.php?id=1\n"
	                             "HTTP://Malware.Example:80/a/./b/../c%7e.exe\n"
	                             "malware.example/noscheme\n");

	UNIT_CHECK(cti_store_count(s, CTI_T_URL) == 3, "3 urls");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/gate.php?id=1"),
	               "http://malware.example/gate.php?id=1", "exact");
	UNIT_CHECK_STR(url_hit(s, "HTTP://MALWARE.example:80/x/../gate.php?id=1#frag"),
	               "http://malware.example/gate.php?id=1", "normalized before matching");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/gate.php?id=2"), "-",
	               "another query: no match");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/gate.php"), "-", "no query: no match");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/gate.php?ID=1"), "-",
	               "the query is case-sensitive");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/a/c~.exe"),
	               "http://malware.example/a/c~.exe", "stored normalized");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/a/c%7E.exe"),
	               "http://malware.example/a/c~.exe", "percent-encoded unreserved matches");
	UNIT_CHECK_STR(url_hit(s, "https://malware.example/a/c~.exe"), "-", "another scheme");
	UNIT_CHECK_STR(url_hit(s, "http://malware.example/noscheme"),
	               "http://malware.example/noscheme", "a URL without scheme is http");
	cti_store_free(s);
}

static void
test_hash(void)
{
	static const uint8_t md5[16] = {0x44, 0xd8, 0x86, 0x12, 0xfe, 0xa8, 0xa8, 0xf3,
	                                0x6d, 0xe8, 0x2e, 0x12, 0x78, 0xab, 0xb0, 0x2f};
	struct cti_store *s =
	    build1("h.csv", CTI_FMT_CSV, -1,
	           "type,value\n"
	           "md5,44D88612FEA8A8F36DE82E1278ABB02F\n"
	           "sha1,da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
	           "sha256,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	           "ja3,e7d705a3286e19ea42f587b344ee6865\n");
	struct cti_hit h;

	UNIT_CHECK(cti_store_match_hash(s, CTI_T_MD5, "44d88612fea8a8f36de82e1278abb02f", 32, NOW,
	                                &h) != NULL,
	           "md5 lower-case matches an upper-case indicator");
	UNIT_CHECK_STR(h.indicator, "44d88612fea8a8f36de82e1278abb02f", "md5 stored lower-case");
	UNIT_CHECK(cti_store_match_digest(s, CTI_T_MD5, md5, 16, NOW, &h) != NULL,
	           "md5 from the raw digest");
	UNIT_CHECK(cti_store_match_hash(s, CTI_T_SHA1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
	                                40, NOW, &h) != NULL,
	           "sha1 any case");
	UNIT_CHECK(
	    cti_store_match_hash(s, CTI_T_SHA256,
	                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	                         64, NOW, &h) != NULL,
	    "sha256");
	UNIT_CHECK(
	    cti_store_match_hash(s, CTI_T_SHA256,
	                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856",
	                         64, NOW, &h) == NULL,
	    "another sha256: no match");
	UNIT_CHECK(cti_store_match_ja3(s, "E7D705A3286E19EA42F587B344EE6865", 32, NOW, &h) !=
	                   NULL &&
	               strcmp(h.type_name, "ja3") == 0,
	           "ja3");
	UNIT_CHECK(cti_store_match_hash(s, CTI_T_MD5, "e7d705a3286e19ea42f587b344ee6865", 32, NOW,
	                                &h) == NULL,
	           "a ja3 indicator is not an md5 indicator");
	UNIT_CHECK(cti_store_match_hash(s, CTI_T_MD5, "44d88612", 8, NOW, &h) == NULL,
	           "wrong length: no match");
	cti_store_free(s);
}

/* ---- provenance, expiry, duplicates ------------------------------------------------------ */

static void
test_provenance(void)
{
	struct cti_feed_conf f[2];
	char *tags[] = {"feedtag", "x"};
	struct cti_store *s;
	struct cti_hit h;

	f[0] = feed("first", CTI_FMT_CSV, -1,
	            "id,Type,VALUE,source,confidence,severity,tags,valid_until,extra\n"
	            "IND-1,domain,evil.example,vendor-a,80,high,c2|botnet,2027-02-01,x\n"
	            "IND-2,domain,plain.example,,,,,,\n"
	            "IND-3,domain,gone.example,,,,,2027-01-01T00:00:00Z,\n"
	            "IND-4,domain,soon.example,,,,,2027-01-15T09:00:00Z,\n"
	            "IND-5,domain,evil.example,vendor-b,10,,,,\n");
	f[0].tags.v = tags;
	f[0].tags.n = 2;
	f[0].confidence = 33;
	f[0].severity = 3;
	f[1] = feed("second", CTI_FMT_PLAIN, -1, "evil.example\nsecond.example\n");
	s = build(f, 2, NULL, 7);
	UNIT_CHECK(s != NULL && cti_store_version(s) == 7, "built, version 7");
	CHECK_LOG(captured, "spanwatch: warning: cti: first:1: column 'extra' ignored",
	          "an unknown column is named");
	UNIT_CHECK(cti_store_match_domain(s, "www.evil.example", 16, NOW, &h) != NULL,
	           "evil.example matches");
	UNIT_CHECK_STR(h.indicator, "evil.example", "indicator");
	UNIT_CHECK_STR(h.type_name, "domain", "type");
	UNIT_CHECK_STR(h.feed, "first", "feed");
	UNIT_CHECK_STR(h.source, "vendor-a", "source from the column");
	UNIT_CHECK_STR(h.tags, "c2|botnet", "tags from the column");
	UNIT_CHECK_STR(h.id, "IND-1", "id");
	UNIT_CHECK_STR(h.name, "", "no name");
	UNIT_CHECK(h.confidence == 80 && h.severity == 1, "confidence 80, severity high = 1");
	UNIT_CHECK(h.valid_until == 1801440000ULL * SW_USEC_PER_SEC, "valid_until 2027-02-01");
	UNIT_CHECK(h.signature_id == 9120000, "sid: domain base + feed 0");
	UNIT_CHECK(cti_store_match_domain(s, "plain.example", 13, NOW, &h) != NULL,
	           "plain.example");
	UNIT_CHECK_STR(h.source, "first", "source defaults to the feed name");
	UNIT_CHECK_STR(h.tags, "feedtag|x", "tags default to the feed's");
	UNIT_CHECK(h.confidence == 33 && h.severity == 3, "confidence and severity of the feed");
	UNIT_CHECK(h.valid_until == 0, "no valid_until");
	UNIT_CHECK(cti_store_match_domain(s, "second.example", 14, NOW, &h) != NULL &&
	               h.signature_id == 9120001 && strcmp(h.feed, "second") == 0,
	           "sid: domain base + feed 1");
	/* expiry */
	UNIT_CHECK(cti_store_match_domain(s, "gone.example", 12, NOW, &h) == NULL,
	           "expired at load: no match");
	UNIT_CHECK(cti_store_match_domain(s, "soon.example", 12, NOW, &h) != NULL,
	           "valid until later today: match now");
	UNIT_CHECK(cti_store_match_domain(s, "soon.example", 12, NOW + 2 * HOUR, &h) == NULL,
	           "past valid_until at match time: no match");
	UNIT_CHECK(cti_store_match_domain(s, "evil.example", 12, NOW + 24 * 40 * HOUR, &h) == NULL,
	           "evil.example past its valid_until");
	UNIT_CHECK(cti_store_feed(s, 0)->expired == 1, "one expired at load");
	UNIT_CHECK(cti_store_feed(s, 0)->duplicates == 1, "duplicate within a feed counted");
	UNIT_CHECK(cti_store_feed(s, 1)->duplicates == 1, "duplicate across feeds counted");
	UNIT_CHECK(cti_store_feed(s, 0)->count[CTI_T_DOMAIN] == 3 &&
	               cti_store_feed(s, 1)->count[CTI_T_DOMAIN] == 1,
	           "counts per feed");
	UNIT_CHECK(cti_store_count(s, -1) == 4, "4 indicators in all");
	UNIT_CHECK(cti_store_bytes(s) > 0, "bytes reported");
	capture_begin();
	cti_store_log_summary(s);
	capture_end();
	UNIT_CHECK(strstr(captured,
	                  "spanwatch: notice: cti: version 7: 4 indicators (ipv4 0, ipv6 0, "
	                  "domain 4, url 0, md5 0, sha1 0, sha256 0, ja3 0, ja4 0, ja4s 0); 0 skipped, 1 "
	                  "expired, 2 duplicates; ") != NULL,
	           "summary line");
	CHECK_LOG(
	    captured,
	    "spanwatch: notice: cti: feed 'second' (plain, second): ipv4 0, ipv6 0, domain 1, "
	    "url 0, md5 0, sha1 0, sha256 0, ja3 0, ja4 0, ja4s 0; 0 skipped (0 unsupported), 0 expired, 1 "
	    "duplicates",
	    "feed summary line");
	cti_store_free(s);
}

/* ---- formats and bad input --------------------------------------------------------------- */

static void
test_csv(void)
{
	struct cti_store *s;
	struct cti_hit h;

	s = build1("bad.csv", CTI_FMT_AUTO, -1,
	           "# comment before the header\n"
	           "type,value,confidence,severity,valid_until\r\n"
	           "domain,ok.example,,,\r\n"
	           "foo,x.example,,,\n"
	           "ipv4,300.1.2.3,,,\n"
	           "domain,conf.example,101,,\n"
	           "domain,sev.example,,urgent,\n"
	           "domain,date.example,,,next week\n"
	           "\n"
	           "# a comment line\n"
	           "url,\"http://q.example/a?x=1,2\",,,\n"
	           "domain,\"multi\n"
	           "line.example\",,,\n"
	           "md5,abc,,,\n"
	           ",guessed.example,,,\n"
	           "ipv4,10.0.0.0/33,,,\n"
	           ",,,,\n"
	           "domain,\"quote\"\"d.example\",,,\n"
	           "domain,\"never ends,,,\n");
	UNIT_CHECK(s != NULL, "bad.csv builds");
	UNIT_CHECK(cti_store_feed(s, 0)->format == CTI_FMT_CSV, "format guessed: csv");
	CHECK_LOG(captured, "spanwatch: warning: cti: bad.csv:4: unknown type 'foo'",
	          "unknown type");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:5: not an IPv4 address or CIDR prefix: "
	          "'300.1.2.3'",
	          "bad address");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: bad.csv:6: confidence '101' is not a number from 0 to 100",
	    "bad confidence");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: bad.csv:7: severity 'urgent' is not 1-4 or high, medium, "
	    "low, info",
	    "bad severity");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:8: valid_until 'next week' is not a date "
	          "(2026-12-31, 2026-12-31T23:59:59Z) or seconds since 1970",
	          "bad date");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:12: not a host name: 'multi?line.example'",
	          "a quoted line break is kept, the record starts on line 12");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:14: not an MD5 (32 hex digits): 'abc'",
	          "line numbers count quoted line breaks");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:16: prefix length out of range: '10.0.0.0/33'",
	          "/33");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: bad.csv:18: not a host name: 'quote\"d.example'",
	          "doubled quotes unescaped");
	CHECK_LOG(captured, "spanwatch: warning: cti: bad.csv:19: a quoted field never ends",
	          "unterminated quote");
	UNIT_CHECK(cti_store_feed(s, 0)->skipped == 10, "10 skipped");
	UNIT_CHECK(cti_store_count(s, -1) == 3, "3 loaded");
	UNIT_CHECK_STR(dom_hit(s, "ok.example"), "ok.example", "CRLF lines");
	UNIT_CHECK_STR(dom_hit(s, "guessed.example"), "guessed.example", "empty type: guessed");
	UNIT_CHECK(cti_store_match_url(s, "http://q.example/a?x=1,2", 24, NOW, &h) != NULL,
	           "a quoted comma is part of the value");
	cti_store_free(s);

	s = build1("nohdr.csv", CTI_FMT_CSV, -1, "domain,evil.example\n");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->error == SW_E_INVAL,
	           "no header: the feed fails");
	CHECK_LOG(
	    captured,
	    "spanwatch: error: cti: nohdr.csv:1: the CSV header must name the columns type and "
	    "value",
	    "missing header message");
	CHECK_LOG(captured,
	          "spanwatch: error: cti: feed 'nohdr.csv' failed to load (invalid input): no "
	          "previous data for it",
	          "failed feed message");
	cti_store_free(s);

	s = build1("allbad.csv", CTI_FMT_CSV, -1, "type,value\nipv4,x\nipv4,y\n");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->error == SW_E_INVAL,
	           "every record bad: the feed fails");
	CHECK_LOG(captured, "spanwatch: error: cti: allbad.csv: no valid indicator (2 bad records)",
	          "every record bad message");
	cti_store_free(s);

	s = build1("empty.csv", CTI_FMT_CSV, -1, "");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->error == SW_E_INVAL, "empty CSV: no header");
	cti_store_free(s);
}

static void
test_plain(void)
{
	struct cti_store *s;
	struct cti_hit h;
	char many[64 * 30];
	size_t len = 0;

	s = build1("list.txt", CTI_FMT_AUTO, -1,
	           "# header comment\n"
	           "  evil.example  \n"
	           "10.0.0.1 # trailing comment\n"
	           "\n"
	           "not a value\n"
	           "localhost\n"
	           "http://x.example/p\n"
	           "2001:db8::/64\n"
	           "d41d8cd98f00b204e9800998ecf8427e\n"
	           "\t\n"
	           "bad_$.example");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->format == CTI_FMT_PLAIN, "plain guessed");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: list.txt:5: unexpected text after the value: 'a value'",
	          "text after the value");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: list.txt:6: cannot tell the type of 'localhost'",
	          "unknown type");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: list.txt:11: cannot tell the type of 'bad_$.example'",
	          "last line without a newline");
	UNIT_CHECK(cti_store_count(s, CTI_T_DOMAIN) == 1 && cti_store_count(s, CTI_T_IPV4) == 1 &&
	               cti_store_count(s, CTI_T_URL) == 1 && cti_store_count(s, CTI_T_IPV6) == 1 &&
	               cti_store_count(s, CTI_T_MD5) == 1,
	           "one of each guessed type");
	UNIT_CHECK(cti_store_feed(s, 0)->skipped == 3, "3 skipped");
	cti_store_free(s);

	s = build1("ja3.txt", CTI_FMT_PLAIN, CTI_T_JA3,
	           "e7d705a3286e19ea42f587b344ee6865\nevil.example\n");
	UNIT_CHECK(cti_store_count(s, CTI_T_JA3) == 1 &&
	               cti_store_match_ja3(s, "e7d705a3286e19ea42f587b344ee6865", 32, NOW, &h) !=
	                   NULL,
	           "a fixed type: ja3");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: ja3.txt:2: not a JA3 hash (32 hex digits): 'evil.example'",
	    "a value of another type in a typed list");
	cti_store_free(s);

	/* the message budget: 20 lines, then a count */
	for (int i = 0; i < 30; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "bad%d\n", i);
	s = build1("many.txt", CTI_FMT_PLAIN, -1, many);
	CHECK_LOG(captured, "spanwatch: warning: cti: many.txt:20: cannot tell the type of 'bad19'",
	          "the 20th message");
	UNIT_CHECK(strstr(captured, "many.txt:21:") == NULL, "not the 21st");
	CHECK_LOG(captured, "spanwatch: warning: cti: many.txt: 10 more bad records not shown",
	          "the rest counted");
	cti_store_free(s);
}

static void
test_stix(void)
{
	struct cti_store *s;
	struct cti_hit h;

	s = build1(
	    "b.json", CTI_FMT_AUTO, -1,
	    "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
	    "{\"type\":\"indicator\",\"id\":\"indicator--a\",\"name\":\"A\",\"labels\":[\"c2\","
	    "\"x\"],"
	    "\"confidence\":90,\"pattern_type\":\"stix\","
	    "\"pattern\":\"[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value='192.0.2.2'] OR "
	    "[domain-name:value = 'stix.example']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--b\",\"pattern\":"
	    "\"[file:hashes.'SHA-256' = "
	    "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'] OR "
	    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] OR [file:hashes.'SHA-1' = "
	    "'da39a3ee5e6b4b0d3255bfef95601890afd80709'] OR [url:value = "
	    "'http://it\\\\'s.example/x'] OR [ipv6-addr:value = '2001:db8::/48']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--c\",\"pattern\":"
	    "\"[network-traffic:dst_port = 4444]\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--d\",\"pattern\":"
	    "\"[domain-name:value = 'a.example' AND domain-name:value = 'b.example']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--e\",\"pattern\":"
	    "\"[domain-name:value = 'w.example'] WITHIN 5 SECONDS\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--f\",\"pattern_type\":\"sigma\","
	    "\"pattern\":\"x\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--g\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--h\",\"confidence\":\"high\","
	    "\"pattern\":\"[domain-name:value = 'h.example']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--i\",\"revoked\":true,"
	    "\"pattern\":\"[domain-name:value = 'revoked.example']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--j\",\"valid_until\":\"2020-01-01T00:00:"
	    "00Z\","
	    "\"pattern\":\"[domain-name:value = 'old.example']\"},"
	    "{\"type\":\"indicator\",\"id\":\"indicator--k\",\"pattern\":"
	    "\"[ipv4-addr:value = 'not-an-ip']\"},"
	    "{\"type\":\"malware\",\"id\":\"malware--1\"},"
	    "42"
	    "]}");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->format == CTI_FMT_STIX, "STIX guessed");
	UNIT_CHECK(cti_store_count(s, CTI_T_IPV4) == 2 && cti_store_count(s, CTI_T_DOMAIN) == 1 &&
	               cti_store_count(s, CTI_T_SHA256) == 1 &&
	               cti_store_count(s, CTI_T_MD5) == 1 && cti_store_count(s, CTI_T_SHA1) == 1 &&
	               cti_store_count(s, CTI_T_URL) == 1 && cti_store_count(s, CTI_T_IPV6) == 1,
	           "every supported path, OR inside and between observations");
	UNIT_CHECK(cti_store_match_domain(s, "www.stix.example", 16, NOW, &h) != NULL,
	           "STIX domain");
	UNIT_CHECK_STR(h.id, "indicator--a", "STIX id");
	UNIT_CHECK_STR(h.name, "A", "STIX name");
	UNIT_CHECK_STR(h.tags, "c2|x", "STIX labels as tags");
	UNIT_CHECK(h.confidence == 90, "STIX confidence");
	UNIT_CHECK_STR(url_hit(s, "http://it's.example/x"), "http://it's.example/x",
	               "an escaped quote is unescaped");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: b.json: indicator--c: pattern not supported (object path "
	    "not supported): [network-traffic:dst_port = 4444]",
	    "unsupported path");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: b.json: indicator--d: pattern not supported (AND and "
	          "grouping are not supported): [domain-name:value = 'a.example' AND "
	          "domain-name:value = 'b.example']",
	          "AND");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: b.json: indicator--e: pattern not supported (only "
	    "observations joined by OR are supported): [domain-name:value = 'w.example'] WITHIN "
	    "5 SECONDS",
	    "qualifier");
	CHECK_LOG(captured,
	          "spanwatch: warning: cti: b.json: indicator--f: pattern_type 'sigma' is not "
	          "supported",
	          "pattern_type");
	CHECK_LOG(captured, "spanwatch: warning: cti: b.json: indicator--g: no pattern",
	          "no pattern");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: b.json: indicator--h: confidence is not an integer from 0 "
	    "to 100",
	    "bad confidence");
	CHECK_LOG(
	    captured,
	    "spanwatch: warning: cti: b.json: indicator--k: not an IPv4 address or CIDR prefix: "
	    "'not-an-ip'",
	    "bad address");
	CHECK_LOG(captured, "spanwatch: warning: cti: b.json: objects[12]: not an object",
	          "a non-object named by its index");
	UNIT_CHECK(cti_store_feed(s, 0)->unsupported == 4, "4 unsupported patterns");
	UNIT_CHECK(cti_store_feed(s, 0)->expired == 2, "revoked and expired: 2");
	UNIT_CHECK(cti_store_feed(s, 0)->skipped == 8, "8 skipped");
	cti_store_free(s);

	s = build1("bad.json", CTI_FMT_STIX, -1, "{\"type\": \"bundle\", \"objects\": [\n{,}]}");
	UNIT_CHECK(s != NULL && cti_store_feed(s, 0)->error == SW_E_INVAL,
	           "bad JSON: the feed fails");
	UNIT_CHECK(strstr(captured, "spanwatch: error: cti: bad.json:2: not valid JSON: ") != NULL,
	           "bad JSON names the line");
	cti_store_free(s);
	s = build1("notb.json", CTI_FMT_STIX, -1, "{\"type\": \"identity\"}");
	CHECK_LOG(
	    captured,
	    "spanwatch: error: cti: notb.json: not a STIX 2.1 bundle (an object with \"type\": "
	    "\"bundle\" and \"objects\")",
	    "not a bundle");
	cti_store_free(s);
	s = build1("one.json", CTI_FMT_AUTO, -1,
	           "{\"type\":\"indicator\",\"pattern\":\"[domain-name:value = 'one.example']\"}");
	UNIT_CHECK_STR(dom_hit(s, "one.example"), "one.example", "a lone indicator object");
	cti_store_free(s);
}

static void
test_examples(void)
{
	const char *top = getenv("top_srcdir");
	char p[3][512];
	struct cti_feed_conf f[3];
	struct cti_store *s;
	struct cti_hit h;

	if (top == NULL)
		top = ".";
	snprintf(p[0], sizeof(p[0]), "%s/conf/cti/example.csv", top);
	snprintf(p[1], sizeof(p[1]), "%s/conf/cti/example.txt", top);
	snprintf(p[2], sizeof(p[2]), "%s/conf/cti/example-stix.json", top);
	for (int i = 0; i < 3; i++) {
		f[i] = feed(p[i], CTI_FMT_AUTO, -1, NULL);
		f[i].name = i == 0 ? "example-csv" : i == 1 ? "example-plain" : "example-stix";
	}
	s = build(f, 3, NULL, 1);
	UNIT_CHECK(s != NULL && cti_store_failed_feeds(s) == 0, "conf/cti examples load");
	UNIT_CHECK(cti_store_feed(s, 0)->format == CTI_FMT_CSV &&
	               cti_store_feed(s, 1)->format == CTI_FMT_PLAIN &&
	               cti_store_feed(s, 2)->format == CTI_FMT_STIX,
	           "formats guessed");
	UNIT_CHECK(cti_store_feed(s, 0)->expired == 1 && cti_store_feed(s, 0)->skipped == 0,
	           "example.csv: one expired, none skipped");
	UNIT_CHECK(cti_store_feed(s, 1)->skipped == 0, "example.txt: none skipped");
	UNIT_CHECK(cti_store_feed(s, 2)->unsupported == 1, "example-stix.json: one unsupported");
	UNIT_CHECK(cti_store_count(s, -1) == 9 + 6 + 6, "21 indicators");
	UNIT_CHECK_STR(dom_hit(s, "www.evil.example"), "evil.example", "example domain");
	UNIT_CHECK_STR(ip_hit(s, "198.51.100.200", NOW), "198.51.100.0/24", "example /24");
	UNIT_CHECK_STR(ip_hit(s, "192.0.2.11", NOW), "192.0.2.11", "example STIX address");
	UNIT_CHECK(cti_store_match_url(s, "http://malware.example/gate.php?id=1,2", 38, NOW, &h) !=
	                   NULL &&
	               strcmp(h.id, "EX-6") == 0,
	           "example URL");
	cti_store_free(s);
}

/* ---- reload fallback --------------------------------------------------------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

static void
test_fallback(void)
{
	char dir[] = "/tmp/cti-test-XXXXXX", a[600], b[600];
	struct cti_feed_conf f[2];
	struct cti_store *s1, *s2, *s3;

	if (mkdtemp(dir) == NULL) {
		UNIT_CHECK(0, "mkdtemp");
		return;
	}
	snprintf(a, sizeof(a), "%s/a.csv", dir);
	snprintf(b, sizeof(b), "%s/b.txt", dir);
	write_file(a, "type,value,source\ndomain,a1.example,vendor\nipv4,192.0.2.0/24,vendor\n");
	write_file(b, "b1.example\n");
	f[0] = feed("feed-a", CTI_FMT_CSV, -1, NULL);
	f[0].path = a;
	f[1] = feed("feed-b", CTI_FMT_PLAIN, -1, NULL);
	f[1].path = b;
	s1 = build(f, 2, NULL, 1);
	UNIT_CHECK(cti_store_count(s1, -1) == 3, "version 1: 3 indicators");
	/* a broken, b changed */
	write_file(a, "domain,a2.example\n");
	write_file(b, "b2.example\n");
	s2 = build(f, 2, s1, 2);
	UNIT_CHECK(s2 != NULL && cti_store_failed_feeds(s2) == 1, "version 2: one feed failed");
	UNIT_CHECK(cti_store_feed(s2, 0)->kept_previous, "feed-a kept its previous data");
	CHECK_LOG(
	    captured,
	    "spanwatch: error: cti: feed 'feed-a' failed to load (invalid input): keeping its 2 "
	    "indicators from version 1",
	    "the log says why and what was kept");
	UNIT_CHECK_STR(dom_hit(s2, "a1.example"), "a1.example",
	               "feed-a's old domain still matches");
	UNIT_CHECK_STR(ip_hit(s2, "192.0.2.9", NOW), "192.0.2.0/24",
	               "feed-a's old prefix still matches");
	UNIT_CHECK_STR(dom_hit(s2, "a2.example"), "-", "feed-a's broken content is not used");
	UNIT_CHECK_STR(dom_hit(s2, "b2.example"), "b2.example", "feed-b reloaded");
	UNIT_CHECK_STR(dom_hit(s2, "b1.example"), "-", "feed-b's old content is gone");
	{
		struct cti_hit h;

		UNIT_CHECK(cti_store_match_domain(s2, "a1.example", 10, NOW, &h) != NULL &&
		               strcmp(h.source, "vendor") == 0 && strcmp(h.feed, "feed-a") == 0,
		           "provenance kept across the fallback");
	}
	cti_store_free(s1);
	/* a missing: still the data of version 1, carried through version 2 */
	unlink(a);
	s3 = build(f, 2, s2, 3);
	UNIT_CHECK(cti_store_feed(s3, 0)->kept_previous && cti_store_feed(s3, 0)->error == SW_E_IO,
	           "a missing file keeps the previous data again");
	UNIT_CHECK(strstr(captured, "cti: ") != NULL &&
	               strstr(captured, "/a.csv: cannot read: No such "
	                                "file or directory") != NULL,
	           "the missing file is named with the reason");
	UNIT_CHECK_STR(dom_hit(s3, "a1.example"), "a1.example", "still there in version 3");
	cti_store_free(s2);
	/* a fixed again */
	write_file(a, "type,value\ndomain,a3.example\n");
	s2 = build(f, 2, s3, 4);
	UNIT_CHECK(cti_store_failed_feeds(s2) == 0, "version 4: all loaded");
	UNIT_CHECK_STR(dom_hit(s2, "a1.example"), "-", "the old data of feed-a is gone");
	UNIT_CHECK_STR(dom_hit(s2, "a3.example"), "a3.example", "the new data of feed-a");
	cti_store_free(s2);
	cti_store_free(s3);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/* ---- configuration ----------------------------------------------------------------------- */

static void
test_conf(void)
{
	static const char yaml[] = "cti:\n"
	                           "  enabled: yes\n"
	                           "  reload-watch: no\n"
	                           "  feeds:\n"
	                           "    - name: abuse\n"
	                           "      path: /feeds/abuse.csv\n"
	                           "      format: csv\n"
	                           "      confidence: 70\n"
	                           "      severity: 1\n"
	                           "      tags: [c2, abuse]\n"
	                           "    - path: /feeds/list.txt\n"
	                           "      type: ja3\n"
	                           "  sid:\n"
	                           "    domain: 9500000\n";
	static const char bad[] = "cti:\n"
	                          "  feeds:\n"
	                          "    - name: x\n"
	                          "      format: xml\n"
	                          "    - name: y\n"
	                          "      confidence: 300\n"
	                          "      path: y\n";
	struct conf_doc *doc = NULL;
	struct cti_conf conf;

	UNIT_CHECK(conf_doc_load_mem("t.yaml", yaml, sizeof(yaml) - 1, &doc) == 0, "yaml loads");
	UNIT_CHECK(cti_conf_load(doc, &conf) == 0, "cti_conf_load");
	UNIT_CHECK(conf.enabled && !conf.reload_watch, "enabled, reload-watch");
	UNIT_CHECK(conf.nfeeds == 2, "2 feeds");
	UNIT_CHECK_STR(conf.feeds[0].name, "abuse", "name");
	UNIT_CHECK_STR(conf.feeds[0].path, "/feeds/abuse.csv", "path");
	UNIT_CHECK(conf.feeds[0].format == CTI_FMT_CSV && conf.feeds[0].type == -1,
	           "format csv, type auto");
	UNIT_CHECK(conf.feeds[0].confidence == 70 && conf.feeds[0].severity == 1,
	           "confidence, severity");
	UNIT_CHECK(conf.feeds[0].tags.n == 2 && strcmp(conf.feeds[0].tags.v[1], "abuse") == 0,
	           "tags");
	UNIT_CHECK_STR(conf.feeds[1].name, "list.txt", "name defaults to the file name");
	UNIT_CHECK(conf.feeds[1].format == CTI_FMT_AUTO && conf.feeds[1].type == CTI_T_JA3 &&
	               conf.feeds[1].confidence == 50 && conf.feeds[1].severity == 2,
	           "defaults, type ja3");
	UNIT_CHECK(conf.sid[CTI_T_DOMAIN] == 9500000 && conf.sid[CTI_T_IPV4] == 9100000 &&
	               conf.sid[CTI_T_JA3] == 9170000,
	           "sid bases");
	UNIT_CHECK(conf_check_unused(doc) == 0, "every key used");
	UNIT_CHECK(cti_conf_add_file(&conf, "/tmp/more/list.txt") == 0 && conf.nfeeds == 3,
	           "--indicators adds a feed");
	UNIT_CHECK_STR(conf.feeds[2].name, "/tmp/more/list.txt",
	               "a clashing file name is replaced by the path");
	UNIT_CHECK(conf.feeds[2].format == CTI_FMT_AUTO && conf.feeds[2].type == -1,
	           "format and type guessed");
	cti_conf_free(&conf);
	conf_doc_free(doc);

	doc = NULL;
	UNIT_CHECK(conf_doc_load_mem("bad.yaml", bad, sizeof(bad) - 1, &doc) == 0,
	           "bad yaml loads");
	capture_begin();
	UNIT_CHECK(cti_conf_load(doc, &conf) == SW_E_CONFIG, "bad config refused");
	capture_end();
	UNIT_CHECK(strstr(captured, "bad.yaml:4: key 'cti.feeds.0.format'") != NULL,
	           "bad format named with file:line:key");
	CHECK_LOG(captured,
	          "spanwatch: error: bad.yaml:3: key 'cti.feeds.0.path': a feed needs a path",
	          "missing path");
	UNIT_CHECK(strstr(captured, "bad.yaml:6: key 'cti.feeds.1.confidence'") != NULL,
	           "confidence out of range");
	cti_conf_free(&conf);
	cti_conf_free(NULL);
	conf_doc_free(doc);

	doc = conf_doc_new();
	UNIT_CHECK(cti_conf_load(doc, &conf) == 0 && conf.nfeeds == 0 && conf.enabled,
	           "no cti section: enabled, no feeds");
	cti_conf_free(&conf);
	conf_doc_free(doc);
}

int
main(void)
{
	test_cidr();
	test_domain();
	test_url();
	test_hash();
	test_provenance();
	test_csv();
	test_plain();
	test_stix();
	test_examples();
	test_fallback();
	test_conf();
	return unit_done();
}
