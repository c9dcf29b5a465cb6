/* src/stream/stream_conf.c: the stream.* configuration keys, the overlap policy per destination
 * network (longest prefix wins), and the names of policies and stream events. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stream/stream_int.h"

static const char *const policy_names[STREAM_POLICY_MAX + 1] = {
	"first", "last", "bsd", "linux", "windows", NULL,
};
static const char *const urgent_names[] = {"oob", "inline", NULL};

const char *
stream_policy_name(int policy)
{
	return policy >= 0 && policy < STREAM_POLICY_MAX ? policy_names[policy] : "unknown";
}

const char *
stream_event_name(int ev)
{
	static const char *const names[STREAM_EV_MAX] = {
		[STREAM_EV_NONE] = "none",
		[STREAM_EV_OVERLAP_DIFFERENT_DATA] = "stream.reassembly_overlap_different_data",
		[STREAM_EV_RST_INVALID] = "stream.rst_invalid",
		[STREAM_EV_PKT_AFTER_CLOSE] = "stream.pkt_after_close",
		[STREAM_EV_MEMCAP] = "stream.reassembly_memcap",
		[STREAM_EV_DEPTH_REACHED] = "stream.reassembly_depth_reached",
		[STREAM_EV_GAP] = "stream.reassembly_seq_gap",
		[STREAM_EV_MIDSTREAM] = "stream.midstream_pickup",
		[STREAM_EV_SEGMENT_LIMIT] = "stream.reassembly_segment_limit",
	};

	return ev >= 0 && ev < STREAM_EV_MAX ? names[ev] : "unknown";
}

#define PL(i) offsetof(struct stream_conf, policy_lists) + (i) * sizeof(struct conf_strlist)

static const struct conf_key stream_keys[] = {
	{"stream.enabled", CONF_BOOL, offsetof(struct stream_conf, enabled), "yes", 0, 0, NULL},
	{"stream.reassembly.depth", CONF_SIZE, offsetof(struct stream_conf, depth), "1mb", 0,
	 INT64_MAX, NULL},
	{"stream.reassembly.memcap", CONF_SIZE, offsetof(struct stream_conf, memcap), "256mb",
	 1 << 16, INT64_MAX, NULL},
	{"stream.reassembly.max-ooo-segments", CONF_U32,
	 offsetof(struct stream_conf, max_ooo_segments), "4096", 1, 1 << 24, NULL},
	{"stream.midstream", CONF_BOOL, offsetof(struct stream_conf, midstream), "yes", 0, 0, NULL},
	{"stream.urgent", CONF_ENUM, offsetof(struct stream_conf, urgent), "oob", 0, 0,
	 urgent_names},
	{"stream.policy.default", CONF_ENUM, offsetof(struct stream_conf, default_policy), "bsd", 0,
	 0, policy_names},
	{"stream.policy.first", CONF_STRLIST, PL(STREAM_POLICY_FIRST), NULL, 0, 0, NULL},
	{"stream.policy.last", CONF_STRLIST, PL(STREAM_POLICY_LAST), NULL, 0, 0, NULL},
	{"stream.policy.bsd", CONF_STRLIST, PL(STREAM_POLICY_BSD), NULL, 0, 0, NULL},
	{"stream.policy.linux", CONF_STRLIST, PL(STREAM_POLICY_LINUX), NULL, 0, 0, NULL},
	{"stream.policy.windows", CONF_STRLIST, PL(STREAM_POLICY_WINDOWS), NULL, 0, 0, NULL},
	{"stream.dump-dir", CONF_STR, offsetof(struct stream_conf, dump_dir), NULL, 0, 0, NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

/* "10.0.0.0/8", "2001:db8::/32" or a bare address. */
static int
parse_cidr(const char *s, struct stream_policy_net *n)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int64_t prefix;

	if (alen == 0 || alen >= sizeof(buf))
		return SW_E_INVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&n->addr, 0, sizeof(n->addr));
	if (inet_pton(AF_INET, buf, n->addr.b) == 1)
		n->family = 4;
	else if (inet_pton(AF_INET6, buf, n->addr.b) == 1)
		n->family = 6;
	else
		return SW_E_INVAL;
	prefix = n->family == 4 ? 32 : 128;
	if (slash != NULL && sw_parse_i64(slash + 1, 0, prefix, &prefix) != 0)
		return SW_E_INVAL;
	n->prefix = (uint8_t)prefix;
	return 0;
}

int
stream_conf_load(struct conf_doc *doc, struct stream_conf *conf)
{
	size_t total = 0, i;
	int p, r;

	memset(conf, 0, sizeof(*conf));
	r = conf_apply(doc, stream_keys, conf);
	for (p = 0; p < STREAM_POLICY_MAX; p++)
		total += conf->policy_lists[p].n;
	if (total > 0 && (conf->nets = calloc(total, sizeof(*conf->nets))) == NULL)
		return SW_E_NOMEM;
	for (p = 0; p < STREAM_POLICY_MAX; p++) {
		for (i = 0; i < conf->policy_lists[p].n; i++) {
			struct stream_policy_net *n = &conf->nets[conf->nnets];
			char key[64], where[256];

			if (parse_cidr(conf->policy_lists[p].v[i], n) != 0) {
				snprintf(key, sizeof(key), "stream.policy.%s", policy_names[p]);
				sw_err("%s: key '%s': '%s' is not an address or CIDR prefix",
				       conf_doc_where(doc, key, where, sizeof(where)) ?: "--set", key,
				       conf->policy_lists[p].v[i]);
				r = SW_E_CONFIG;
				continue;
			}
			n->policy = (uint8_t)p;
			conf->nnets++;
		}
	}
	return r;
}

void
stream_conf_free(struct stream_conf *conf)
{
	free(conf->nets);
	conf->nets = NULL;
	conf->nnets = 0;
	conf_struct_free(stream_keys, conf);
}
