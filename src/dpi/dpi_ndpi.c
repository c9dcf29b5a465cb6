/* src/dpi/dpi_ndpi.c: the nDPI wrapper (nDPI 4.2 API: ndpi_detection_process_packet on the IP
 * header, ndpi_extra_dissection_possible, ndpi_detection_giveup). */
#include "config.h"

#include <ctype.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

#include "dpi/dpi.h"

struct dpi_state {
	struct dpi_info info;
	struct ndpi_flow_struct *nflow; /* NULL once classification is over */
	uint32_t fed;
};

/* What f->dpi points to when the memcap refused the flow's state: the flow is left alone,
 * without asking the memcap again on every packet. Never written, never freed. */
static const struct dpi_state refused_state;
#define REFUSED ((void *)&refused_state)

/* Charged while classifying: nDPI's flow, its fixed part (what nDPI allocates inside it is
 * charged by the allocator below) */
#define NFLOW_SIZE ((size_t)SIZEOF_FLOW_STRUCT)

struct dpi_worker {
	struct dpi_conf conf;
	struct ndpi_detection_module_struct *ndpi;
	struct dpi_stats st;
	struct sw_pool pools[DPI_POOL_MAX]; /* dpi_state, nDPI's flow: in st.mem */
	bool over_cap; /* nDPI's own allocations put dpi.memcap over: end the flow's classification */
};

/*
 * nDPI's allocator. nDPI allocates inside its calls (host names, certificate strings, its
 * caches) through one process-wide hook. While a worker calls into nDPI, dpi_charging names
 * that worker, and what nDPI allocates or frees is charged to or given back to its dpi.memcap,
 * the size read from the allocator itself (no header: a pointer nDPI got elsewhere stays safe).
 * nDPI does not survive a failed allocation, so an allocation over the cap is made, charged and
 * counted as refused; the worker then ends that flow's classification, which gives it back.
 * Outside worker calls (module set-up and tear-down) nothing is charged or given back: what a
 * module keeps across flows (its caches) stays charged until the end.
 */
static _Thread_local struct dpi_worker *dpi_charging;

static void *
dpi_ndpi_malloc(size_t n)
{
	void *p = malloc(n);

	if (p != NULL && dpi_charging != NULL &&
	    !sw_memcap_charge(&dpi_charging->st.mem, malloc_usable_size(p)))
		dpi_charging->over_cap = true;
	return p;
}

static void
dpi_ndpi_free(void *p)
{
	if (p != NULL && dpi_charging != NULL)
		sw_memcap_give(&dpi_charging->st.mem, malloc_usable_size(p));
	free(p);
}

static void
dpi_hooks_install(void)
{
	set_ndpi_malloc(dpi_ndpi_malloc);
	set_ndpi_free(dpi_ndpi_free);
}

static const struct conf_key dpi_keys[] = {
	{"dpi.enabled", CONF_BOOL, offsetof(struct dpi_conf, enabled), "yes", 0, 0, NULL},
	{"dpi.max-packets.tcp", CONF_U32, offsetof(struct dpi_conf, max_packets_tcp), "80", 1, 10000,
	 NULL},
	{"dpi.max-packets.udp", CONF_U32, offsetof(struct dpi_conf, max_packets_udp), "24", 1, 10000,
	 NULL},
	{"dpi.guess", CONF_BOOL, offsetof(struct dpi_conf, guess), "yes", 0, 0, NULL},
	{"dpi.memcap", CONF_SIZE, offsetof(struct dpi_conf, memcap), "256mb", 1 << 16, INT64_MAX,
	 NULL},
	{NULL, 0, 0, NULL, 0, 0, NULL},
};

int
dpi_conf_load(struct conf_doc *doc, struct dpi_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return conf_apply(doc, dpi_keys, conf);
}

int
dpi_worker_new(const struct dpi_conf *conf, uint64_t memcap_share, struct dpi_worker **out)
{
	struct dpi_worker *w;
	NDPI_PROTOCOL_BITMASK all;

	static pthread_once_t hooks = PTHREAD_ONCE_INIT;

	*out = NULL;
	pthread_once(&hooks, dpi_hooks_install);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SW_E_NOMEM;
	w->conf = *conf;
	w->st.mem.memcap = memcap_share;
	sw_pool_init(&w->pools[0], sizeof(struct dpi_state), SW_POOL_KEEP_BYTES, &w->st.pools[0]);
	sw_pool_init(&w->pools[1], NFLOW_SIZE, SW_POOL_KEEP_BYTES, &w->st.pools[1]);
	w->st.mem.pools = w->pools;
	w->st.mem.npools = DPI_POOL_MAX;
	if ((w->ndpi = ndpi_init_detection_module(ndpi_no_prefs)) == NULL) {
		free(w);
		sw_err("nDPI: cannot initialise a detection module");
		return SW_E_NOMEM;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(w->ndpi, &all);
	ndpi_finalize_initialization(w->ndpi);
	*out = w;
	return 0;
}

void
dpi_worker_free(struct dpi_worker *w)
{
	if (w == NULL)
		return;
	/* not charged: it frees what its set-up allocated too, which was never charged */
	ndpi_exit_detection_module(w->ndpi);
	for (int i = 0; i < DPI_POOL_MAX; i++)
		sw_pool_fini(&w->pools[i]);
	free(w);
}

struct dpi_stats *
dpi_worker_stats(struct dpi_worker *w)
{
	return &w->st;
}

const struct dpi_info *
dpi_flow_info(const struct sw_flow *f)
{
	const struct dpi_state *s = f->dpi;

	return s != NULL && s != REFUSED ? &s->info : NULL;
}

/* nDPI protocol names as Suricata's app_proto spells the same protocols. */
static void
eve_app_proto(const char *ndpi_name, char *out, size_t size)
{
	static const struct {
		const char *ndpi, *eve;
	} map[] = {
		{"FTP_CONTROL", "ftp"}, {"FTP_DATA", "ftp-data"}, {"DHCPV6", "dhcp"},
		{"DoH_DoT", "tls"},     {"IMAPS", "tls"},          {"POPS", "tls"},
		{"SMTPS", "tls"},       {"SMBv1", "smb"},          {"SMBv23", "smb"},
		{"Kerberos", "krb5"},   {"RDP", "rdp"},            {"DCE_RPC", "dcerpc"},
		{"NetBIOS", "nbss"},    {"Unknown", "failed"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(ndpi_name, map[i].ndpi) == 0) {
			snprintf(out, size, "%s", map[i].eve);
			return;
		}
	}
	for (i = 0; ndpi_name[i] != '\0' && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)ndpi_name[i]);
	out[i] = '\0';
}

static void
fill_info(struct dpi_worker *w, struct dpi_state *s, ndpi_protocol proto)
{
	struct dpi_info *in = &s->info;
	char name[64];
	uint16_t main_id;

	in->master = proto.master_protocol;
	in->app = proto.app_protocol;
	ndpi_protocol2name(w->ndpi, proto, in->ndpi_proto, sizeof(in->ndpi_proto));
	/* app_proto is the transport-level protocol: TLS for TLS.Google, HTTP for HTTP.Facebook */
	main_id = proto.master_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.master_protocol
								  : proto.app_protocol;
	snprintf(name, sizeof(name), "%s", ndpi_get_proto_name(w->ndpi, main_id));
	eve_app_proto(name, in->app_proto, sizeof(in->app_proto));
	in->category = ndpi_category_get_name(w->ndpi, proto.category);
	if (s->nflow != NULL) {
		in->risk = s->nflow->risk;
		in->confidence = ndpi_confidence_get_name(s->nflow->confidence);
	}
}

static void
state_release(struct dpi_worker *w, struct dpi_state *s)
{
	if (s->nflow != NULL) {
		/* the flow's strings go back to the cap, its fixed part was charged here */
		dpi_charging = w;
		ndpi_free_flow_data(s->nflow);
		dpi_charging = NULL;
		sw_memcap_free(&w->st.mem, NFLOW_SIZE, s->nflow);
		s->nflow = NULL;
		atomic_store_explicit(&w->st.active, sw_counter_get(&w->st.active) - 1,
				      memory_order_relaxed);
	}
}

void
dpi_packet(struct dpi_worker *w, struct sw_flow *f, enum flow_dir dir,
	   const struct sw_packet *p)
{
	struct dpi_state *s = f->dpi;
	ndpi_protocol proto;
	uint32_t budget, len;

	(void)dir;
	if (s == NULL) {
		/* refused (or out of memory, counted as refused): the flow is left alone */
		if ((s = sw_memcap_alloc(&w->st.mem, sizeof(*s), true)) == NULL ||
		    (s->nflow = sw_memcap_alloc(&w->st.mem, NFLOW_SIZE, true)) == NULL) {
			sw_memcap_free(&w->st.mem, sizeof(*s), s);
			f->dpi = REFUSED;
			return;
		}
		snprintf(s->info.app_proto, sizeof(s->info.app_proto), "unknown");
		f->dpi = s;
		sw_counter_add(&w->st.flows, 1);
		sw_counter_add(&w->st.active, 1);
	}
	if (s == REFUSED || s->nflow == NULL)
		return; /* refused, or classification is over */
	budget = f->proto == 6 ? w->conf.max_packets_tcp : w->conf.max_packets_udp;
	len = p->caplen - p->l3_off;
	if (len > 0xffff)
		len = 0xffff;
	dpi_charging = w;
	proto = ndpi_detection_process_packet(w->ndpi, s->nflow, p->data + p->l3_off,
					      (unsigned short)len, p->ts / 1000);
	dpi_charging = NULL;
	s->fed++;
	sw_counter_add(&w->st.packets, 1);
	if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
	    proto.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
		bool last = !ndpi_extra_dissection_possible(w->ndpi, s->nflow) || s->fed >= budget;

		/* names are formatted when the verdict changes or is final, not on every packet of
		 * the extra dissection */
		if (last || proto.master_protocol != s->info.master ||
		    proto.app_protocol != s->info.app || s->info.ndpi_proto[0] == '\0')
			fill_info(w, s, proto);
		if (last) {
			s->info.done = true;
			sw_counter_add(&w->st.detected, 1);
			state_release(w, s);
		}
		return;
	}
	if (s->fed >= budget || w->over_cap) {
		w->over_cap = false;
		dpi_flow_finish(w, f);
	}
}

void
dpi_flow_finish(struct dpi_worker *w, struct sw_flow *f)
{
	struct dpi_state *s = f->dpi;
	ndpi_protocol proto;
	uint8_t guessed = 0;

	if (s == NULL || s == REFUSED || s->info.done)
		return;
	if (s->nflow != NULL) {
		if (s->info.master == NDPI_PROTOCOL_UNKNOWN && s->info.app == NDPI_PROTOCOL_UNKNOWN) {
			dpi_charging = w;
			proto = ndpi_detection_giveup(w->ndpi, s->nflow, w->conf.guess ? 1 : 0,
						      &guessed);
			dpi_charging = NULL;
			fill_info(w, s, proto);
			s->info.guessed = guessed != 0;
			if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
			    proto.master_protocol == NDPI_PROTOCOL_UNKNOWN)
				sw_counter_add(&w->st.failed, 1);
			else if (guessed)
				sw_counter_add(&w->st.guessed, 1);
			else
				sw_counter_add(&w->st.detected, 1);
		} else {
			/* detected earlier, still dissecting: take the latest risks */
			s->info.risk = s->nflow->risk;
			s->info.confidence = ndpi_confidence_get_name(s->nflow->confidence);
			sw_counter_add(&w->st.detected, 1);
		}
	}
	s->info.done = true;
	state_release(w, s);
}

void
dpi_flow_free(struct dpi_worker *w, struct sw_flow *f)
{
	struct dpi_state *s = f->dpi;

	f->dpi = NULL;
	if (s == NULL || s == REFUSED)
		return;
	state_release(w, s);
	sw_memcap_free(&w->st.mem, sizeof(*s), s);
}

int
dpi_risk_next(uint64_t risk, int from)
{
	int i;

	for (i = from < 1 ? 1 : from; i < 64; i++)
		if (risk & (1ULL << i))
			return i;
	return -1;
}

const char *
dpi_risk_name(int index)
{
	return ndpi_risk2str((ndpi_risk_enum)index);
}
