/* tests/unit/flow/test_community.c: Community ID v1 against the published test vectors
 * (TCP, UDP, ICMP, ICMPv6, a portless protocol; seeds 0 and 1; both directions). */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "flow/flow.h"
#include "unit.h"

static struct sw_addr
addr(const char *s, int *family)
{
	struct sw_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.b) == 1) {
		*family = 4;
	} else {
		inet_pton(AF_INET6, s, a.b);
		*family = 6;
	}
	return a;
}

static void
vector(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint8_t proto,
       uint16_t seed, const char *want, const char *name)
{
	int fam;
	struct sw_addr s = addr(src, &fam), d = addr(dst, &fam);
	char buf[64] = "";

	UNIT_CHECK(flow_community_id(seed, fam, &s, &d, sport, dport, proto, buf, sizeof(buf)) == 0,
		   name);
	UNIT_CHECK_STR(buf, want, name);
}

int
main(void)
{
	char buf[64];
	int fam;
	struct sw_addr a = addr("1.2.3.4", &fam), b = addr("5.6.7.8", &fam);

	vector("1.2.3.4", "5.6.7.8", 1122, 3344, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=", "tcp");
	vector("5.6.7.8", "1.2.3.4", 3344, 1122, 6, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=",
	       "tcp reversed");
	vector("1.2.3.4", "5.6.7.8", 1122, 3344, 17, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "udp");
	vector("5.6.7.8", "1.2.3.4", 3344, 1122, 17, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
	       "udp reversed");
	vector("1.2.3.4", "5.6.7.8", 8, 0, 1, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "icmp echo");
	vector("5.6.7.8", "1.2.3.4", 0, 0, 1, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
	       "icmp echo reply pairs with the request");
	vector("fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 128, 0,
	       58, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "icmpv6 echo");
	vector("fe80:1011:1213:1415:1617:1819:1a1b:1c1d", "fe80:1:203:405:607:809:a0b:c0d", 129, 0,
	       58, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "icmpv6 echo reply");
	vector("1.2.3.4", "5.6.7.8", 0, 0, 46, 0, "1:ikv3kmf89luf73WPz1jOs49S768=",
	       "portless protocol (RSVP)");
	vector("1.2.3.4", "5.6.7.8", 1122, 3344, 6, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=",
	       "tcp seed 1");
	vector("1.2.3.4", "5.6.7.8", 1122, 3344, 17, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=",
	       "udp seed 1");
	vector("1.2.3.4", "5.6.7.8", 8, 0, 1, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=", "icmp seed 1");
	vector("fe80:1:203:405:607:809:a0b:c0d", "fe80:1011:1213:1415:1617:1819:1a1b:1c1d", 128, 0,
	       58, 1, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=", "icmpv6 seed 1");
	UNIT_CHECK(flow_community_id(0, 4, &a, &b, 1, 2, 6, buf, 16) == SW_E_RANGE,
		   "a short buffer is refused");
	return unit_done();
}
