/* src/flow/flow_conf.c: the flow.* configuration keys, defaults as Suricata's flow-timeouts. */
#include "config.h"

#include <string.h>

#include "flow/flow_int.h"

#define T(c, s) offsetof(struct flow_conf, timeout) + ((c)*FLOW_STATE_MAX + (s)) * sizeof(uint32_t)

static const struct conf_key flow_keys[] = {
	{"flow.memcap", CONF_SIZE, offsetof(struct flow_conf, memcap), "128mb", 1 << 16,
	 INT64_MAX, NULL},
	{"flow.hash-size", CONF_U32, offsetof(struct flow_conf, hash_size), "65536", 1024, 1 << 26,
	 NULL},
	{"decode.vlan.use-for-tracking", CONF_BOOL, offsetof(struct flow_conf, vlan_tracking), "true",
	 0, 0, NULL},
	{"flow.community-id-seed", CONF_U32, offsetof(struct flow_conf, community_id_seed), "0", 0,
	 65535, NULL},
	{"flow.timeout.tcp.new", CONF_SECS, T(FLOW_CLASS_TCP, FLOW_STATE_NEW), "60", 1, 86400, NULL},
	{"flow.timeout.tcp.established", CONF_SECS, T(FLOW_CLASS_TCP, FLOW_STATE_ESTABLISHED), "600",
	 1, 7 * 86400, NULL},
	{"flow.timeout.tcp.closed", CONF_SECS, T(FLOW_CLASS_TCP, FLOW_STATE_CLOSED), "60", 0, 86400,
	 NULL},
	{"flow.timeout.udp.new", CONF_SECS, T(FLOW_CLASS_UDP, FLOW_STATE_NEW), "30", 1, 86400, NULL},
	{"flow.timeout.udp.established", CONF_SECS, T(FLOW_CLASS_UDP, FLOW_STATE_ESTABLISHED), "300",
	 1, 7 * 86400, NULL},
	{"flow.timeout.icmp.new", CONF_SECS, T(FLOW_CLASS_ICMP, FLOW_STATE_NEW), "30", 1, 86400,
	 NULL},
	{"flow.timeout.icmp.established", CONF_SECS, T(FLOW_CLASS_ICMP, FLOW_STATE_ESTABLISHED),
	 "300", 1, 7 * 86400, NULL},
	{"flow.timeout.default.new", CONF_SECS, T(FLOW_CLASS_OTHER, FLOW_STATE_NEW), "30", 1, 86400,
	 NULL},
	{"flow.timeout.default.established", CONF_SECS,
	 T(FLOW_CLASS_OTHER, FLOW_STATE_ESTABLISHED), "300", 1, 7 * 86400, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
flow_conf_load(struct conf_doc *doc, struct flow_conf *conf)
{
	int c, r;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, flow_keys, conf);
	/* States without a key of their own (closed UDP, ICMP, other) use established. */
	for (c = FLOW_CLASS_UDP; c < FLOW_CLASS_MAX; c++)
		conf->timeout[c][FLOW_STATE_CLOSED] = conf->timeout[c][FLOW_STATE_ESTABLISHED];
	conf->hash_seed = FLOW_HASH_SEED_FIXED;
	return r;
}

void
flow_conf_seed_random(struct flow_conf *conf)
{
	conf->hash_seed = sw_random_seed();
}
