/* src/sw_stats.c: gathers every stage's counters into the EVE stats event and the human
 * summary printed at the end of a replay. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_run.h"
#include "sw_loss.h"
#include "sw_metrics.h"

/* Every counter of a run, in an array that grows as stages add counters (a fixed size once
 * dropped dpi.memuse and what followed without a word). */
struct counters {
	struct eve_counter *c;
	size_t n, cap;
	bool failed; /* out of memory: the event lacks counters, said once */
};

static void
put(struct counters *cs, const char *name, uint64_t v)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap != 0 ? cs->cap * 2 : 256;
		struct eve_counter *c = realloc(cs->c, cap * sizeof(*c));

		if (c == NULL) {
			if (!cs->failed)
				sw_err("stats: out of memory: counters from '%s' on are left out", name);
			cs->failed = true;
			return;
		}
		cs->c = c;
		cs->cap = cap;
	}
	cs->c[cs->n].name = name;
	cs->c[cs->n].value = v;
	cs->n++;
}

/* Decode event counters are named "decoder.event.<layer>.<event>"; the names live here. */
static char event_names[DECODE_EV_MAX][64];

static void
collect(struct sw_ctx *ctx, struct counters *cs, struct capture_stats *cap,
	struct flow_stats *fs_sum)
{
	struct decode_stats dsum;
	const struct decode_stats *d = &dsum;
	const struct output_stats *os = ctx->out != NULL ? output_get_stats(ctx->out) : NULL;
	uint64_t ended[FLOW_END_MAX] = {0}, created = 0, active = 0, memuse = 0, refused = 0;
	uint64_t reuse = 0, wpkts = 0, chain = 0, wtcp_bad, wskipped;
	uint32_t i;
	int e;

	run_workers_csum_stats(ctx, &wtcp_bad, &wskipped); /* TCP checksums left to the workers */
	run_decode_stats(ctx, &dsum); /* the capture thread's and afpacket workers' */
	memset(cap, 0, sizeof(*cap));
	if (ctx->cap != NULL)
		ctx->cap_ops->stats(ctx->cap, cap);
	put(cs, "capture.packets", cap->packets);
	if (ctx->live) {
		put(cs, "capture.kernel_packets", cap->kernel_recv);
		put(cs, "capture.kernel_drops", cap->kernel_drop);
		put(cs, "capture.kernel_ifdrops", cap->if_drop);
		for (size_t k = 0; k < cap->nmore; k++) /* per interface and socket */
			put(cs, cap->more[k].name, cap->more[k].value);
	} else {
		put(cs, "capture.files", cap->files_read);
		put(cs, "capture.file_errors", cap->file_errors);
	}
	put(cs, "decoder.pkts", sw_counter_get(&d->pkts));
	put(cs, "decoder.bytes", sw_counter_get(&d->bytes));
	put(cs, "decoder.ethernet", sw_counter_get(&d->ethernet));
	put(cs, "decoder.vlan", sw_counter_get(&d->vlan));
	put(cs, "decoder.sll", sw_counter_get(&d->sll));
	put(cs, "decoder.null", sw_counter_get(&d->null));
	put(cs, "decoder.raw", sw_counter_get(&d->raw));
	put(cs, "decoder.ipv4", sw_counter_get(&d->ipv4));
	put(cs, "decoder.ipv6", sw_counter_get(&d->ipv6));
	put(cs, "decoder.tcp", sw_counter_get(&d->tcp));
	put(cs, "decoder.udp", sw_counter_get(&d->udp));
	put(cs, "decoder.icmpv4", sw_counter_get(&d->icmpv4));
	put(cs, "decoder.icmpv6", sw_counter_get(&d->icmpv6));
	put(cs, "decoder.other_proto", sw_counter_get(&d->other_proto));
	put(cs, "decoder.non_ip", sw_counter_get(&d->non_ip));
	put(cs, "decoder.ipv4_frag", sw_counter_get(&d->ipv4_frag));
	put(cs, "decoder.ipv6_frag", sw_counter_get(&d->ipv6_frag));
	put(cs, "decoder.ipip", sw_counter_get(&d->ipip));
	put(cs, "decoder.vxlan", sw_counter_get(&d->vxlan));
	put(cs, "decoder.gre", sw_counter_get(&d->gre));
	put(cs, "decoder.erspan", sw_counter_get(&d->erspan));
	put(cs, "decoder.geneve", sw_counter_get(&d->geneve));
	put(cs, "decoder.gtpu", sw_counter_get(&d->gtpu));
	put(cs, "decoder.teredo", sw_counter_get(&d->teredo));
	put(cs, "decoder.ayiya", sw_counter_get(&d->ayiya));
	put(cs, "decoder.mpls", sw_counter_get(&d->mpls));
	put(cs, "decoder.pppoe", sw_counter_get(&d->pppoe));
	put(cs, "decoder.pppoe_discovery", sw_counter_get(&d->pppoe_discovery));
	put(cs, "decoder.ppp", sw_counter_get(&d->ppp));
	put(cs, "decoder.chdlc", sw_counter_get(&d->chdlc));
	put(cs, "decoder.nflog", sw_counter_get(&d->nflog));
	put(cs, "decoder.llc", sw_counter_get(&d->llc));
	put(cs, "decoder.tunnel_unknown_payload", sw_counter_get(&d->tunnel_unknown));
	put(cs, "decoder.gtpu_other_msg", sw_counter_get(&d->gtpu_other));
	put(cs, "decoder.ayiya_other_msg", sw_counter_get(&d->ayiya_other));
	/* tunnel layers past decode.max-layers (and link layers nested too deep) */
	put(cs, "decoder.depth_limit", sw_counter_get(&d->events[DECODE_EV_TOO_DEEP]));
	put(cs, "decoder.invalid", sw_counter_get(&d->invalid));
	put(cs, "decoder.checksum.ipv4_bad", sw_counter_get(&d->ipv4_csum_bad));
	put(cs, "decoder.checksum.tcp_bad", sw_counter_get(&d->tcp_csum_bad) + wtcp_bad);
	put(cs, "decoder.checksum.udp_bad", sw_counter_get(&d->udp_csum_bad));
	put(cs, "decoder.checksum.icmp_bad", sw_counter_get(&d->icmp_csum_bad));
	put(cs, "decoder.checksum.gre_bad", sw_counter_get(&d->gre_csum_bad));
	put(cs, "decoder.checksum.skipped", sw_counter_get(&d->csum_skipped) + wskipped);
	for (e = DECODE_EV_RESERVED + 1; e < DECODE_EV_MAX; e++) {
		const char *n = decode_event_name(e);

		if (strncmp(n, "decoder.", 8) == 0)
			n += 8;
		snprintf(event_names[e], sizeof(event_names[e]), "decoder.event.%s", n);
		put(cs, event_names[e], sw_counter_get(&d->events[e]));
	}
	if (ctx->defrag != NULL) {
		struct defrag_stats *ds = defrag_get_stats(ctx->defrag);

		put(cs, "defrag.fragments", sw_counter_get(&ds->fragments));
		put(cs, "defrag.reassembled", sw_counter_get(&ds->reassembled));
		put(cs, "defrag.timeouts", sw_counter_get(&ds->timeouts));
		put(cs, "defrag.dropped", sw_counter_get(&ds->dropped));
		put(cs, "defrag.memuse", sw_counter_get(&ds->mem.memuse));
		put(cs, "defrag.trackers", sw_counter_get(&ds->trackers));
		put(cs, "defrag.overlaps", sw_counter_get(&ds->events[DEFRAG_EV_OVERLAP]) +
						   sw_counter_get(&ds->events[DEFRAG_EV_OVERLAP_DIFF]));
	}
	for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
		struct flow_stats *fs = run_worker_flow_stats(ctx, i);

		wpkts += run_worker_packets(ctx, i);
		if (fs == NULL)
			continue;
		created += sw_counter_get(&fs->created);
		active += sw_counter_get(&fs->active);
		memuse += sw_counter_get(&fs->mem.memuse);
		refused += sw_counter_get(&fs->mem.refused);
		chain += sw_counter_get(&fs->chain_evicted);
		reuse += sw_counter_get(&fs->tcp_reuse);
		for (e = 0; e < FLOW_END_MAX; e++)
			ended[e] += sw_counter_get(&fs->ended[e]);
	}
	put(cs, "flow.pkts", wpkts);
	put(cs, "flow.created", created);
	put(cs, "flow.active", active);
	put(cs, "flow.memuse", memuse);
	put(cs, "flow.memcap_refused", refused);
	put(cs, "flow.chain_evicted", chain);
	put(cs, "flow.tcp_reuse", reuse);
	put(cs, "flow.end.timeout", ended[FLOW_END_TIMEOUT]);
	put(cs, "flow.end.tcp_close", ended[FLOW_END_TCP_CLOSE]);
	put(cs, "flow.end.shutdown", ended[FLOW_END_SHUTDOWN]);
	put(cs, "flow.end.forced", ended[FLOW_END_FORCED]);
	{
		uint64_t v[18] = {0};
		static const char *const names[18] = {
			"stream.sessions", "stream.midstream", "stream.segments",
			"stream.retransmissions", "stream.out_of_order", "stream.overlaps",
			"stream.overlap_diff", "stream.gaps", "stream.gap_bytes",
			"stream.depth_reached", "stream.memcap_refused", "stream.segment_limit",
			"stream.rst_invalid", "stream.after_close", "stream.bytes_delivered",
			"stream.memuse", NULL, NULL};
		int k;

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			struct stream_stats *ss = run_worker_stream_stats(ctx, i);
			const sw_counter_t *c[16];

			if (ss == NULL)
				continue;
			c[0] = &ss->sessions;
			c[1] = &ss->midstream;
			c[2] = &ss->segments;
			c[3] = &ss->retransmissions;
			c[4] = &ss->out_of_order;
			c[5] = &ss->overlaps;
			c[6] = &ss->overlap_diff;
			c[7] = &ss->gaps;
			c[8] = &ss->gap_bytes;
			c[9] = &ss->depth_reached;
			c[10] = &ss->memcap_refused;
			c[11] = &ss->segment_limit;
			c[12] = &ss->rst_invalid;
			c[13] = &ss->after_close;
			c[14] = &ss->bytes_delivered;
			c[15] = &ss->memuse;
			for (k = 0; k < 16; k++)
				v[k] += sw_counter_get(c[k]);
		}
		if (ctx->stream.enabled)
			for (k = 0; names[k] != NULL; k++)
				put(cs, names[k], v[k]);
	}
	{
		static char names[APP_PROTO_MAX][3][32];
		uint64_t av[APP_PROTO_MAX][3] = {{0}}, amem = 0, arefused = 0, alimited = 0;
		uint64_t ahmemcap = 0, ahbig = 0, ahanom = 0, aswitched = 0;
		uint64_t aquic[APP_QUIC_ST_MAX] = {0};
		uint64_t aframes = 0, aframes_memcap = 0; /* frames to rules, refused gathering */
		uint64_t adnsq = 0;                       /* app.dns.questions_dropped */
		static char quic_names[APP_QUIC_ST_MAX][48];
		int a;

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			struct app_stats *as = run_worker_app_stats(ctx, i);
			const struct sw_memcap *am = run_worker_app_mem(ctx, i);

			if (am != NULL) {
				amem += sw_counter_get(&am->memuse);
				arefused += sw_counter_get(&am->refused);
			}
			if (as == NULL)
				continue;
			alimited += sw_counter_get(&as->http_decompress_limited);
			ahmemcap += sw_counter_get(&as->http_decompress_memcap);
			ahbig += sw_counter_get(&as->http_header_too_big);
			ahanom += sw_counter_get(&as->http_anomalies);
			aswitched += sw_counter_get(&as->switched);
			aframes += sw_counter_get(&as->frames);
			aframes_memcap += sw_counter_get(&as->frames_memcap);
			adnsq += sw_counter_get(&as->dns_questions_dropped);
			for (a = 0; a < APP_QUIC_ST_MAX; a++)
				aquic[a] += sw_counter_get(&as->quic[a]);
			for (a = 1; a < APP_PROTO_MAX; a++) {
				av[a][0] += sw_counter_get(&as->flows[a]);
				av[a][1] += sw_counter_get(&as->messages[a]);
				av[a][2] += sw_counter_get(&as->errors[a]);
			}
		}
		for (a = 1; a < APP_PROTO_MAX; a++) {
			snprintf(names[a][0], sizeof(names[a][0]), "app.%s.flows", app_proto_name(a));
			snprintf(names[a][1], sizeof(names[a][1]), "app.%s.messages",
				 app_proto_name(a));
			snprintf(names[a][2], sizeof(names[a][2]), "app.%s.errors", app_proto_name(a));
			put(cs, names[a][0], av[a][0]);
			put(cs, names[a][1], av[a][1]);
			put(cs, names[a][2], av[a][2]);
			if (a == APP_HTTP) /* next to the other app.http counters: one JSON object */
			{
				put(cs, "app.http.decompress_limited", alimited);
				put(cs, "app.http.decompress_memcap", ahmemcap);
				put(cs, "app.http.header_too_big", ahbig);
				put(cs, "app.http.anomalies", ahanom);
			}
			if (a == APP_DNS) /* questions past the APP_DNS_MAX_Q kept of a message */
				put(cs, "app.dns.questions_dropped", adnsq);
			if (a == APP_QUIC) /* the packets QUIC's parser saw and decrypted */
				for (int q = 0; q < APP_QUIC_ST_MAX; q++) {
					snprintf(quic_names[q], sizeof(quic_names[q]), "app.quic.%s",
						 app_quic_stat_name(q));
					put(cs, quic_names[q], aquic[q]);
				}
		}
		put(cs, "app.switched", aswitched);
		put(cs, "app.frames", aframes);
		put(cs, "app.frames_memcap", aframes_memcap);
		put(cs, "app.memuse", amem);
		put(cs, "app.memcap_refused", arefused);
	}
	if (ctx->detect.enabled) {
		static const char *const dn[8] = {
			"detect.packets", "detect.stream_chunks", "detect.app_messages",
			"detect.candidates", "detect.alerts", "detect.suppressed",
			"detect.backtrack_limit", "detect.windows_released",
		};
		uint64_t dv[8] = {0}, wv[8], mu = 0, mr = 0;

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			run_worker_detect_stats(ctx, i, wv);
			for (int k = 0; k < 8; k++)
				dv[k] += wv[k];
			mu += sw_counter_get(&run_worker_detect_mem(ctx, i)->memuse);
			mr += sw_counter_get(&run_worker_detect_mem(ctx, i)->refused);
		}
		{ /* the capture thread's: decoder-event rules and fragments */
			const struct detect_stats *rs = &ctx->reader_det_st;

			dv[0] += sw_counter_get(&rs->packets);
			dv[3] += sw_counter_get(&rs->candidates);
			dv[4] += sw_counter_get(&rs->alerts);
			dv[5] += sw_counter_get(&rs->suppressed);
		}
		put(cs, "detect.rules",
		    ctx->det_h != NULL ? sw_counter_get(&detect_handle_stats(ctx->det_h)->rules) : 0);
		for (int k = 0; k < 8; k++)
			put(cs, dn[k], dv[k]);
		put(cs, "detect.memuse", mu);
		put(cs, "detect.memcap_refused", mr);
		put(cs, "detect.reloads",
		    ctx->det_h != NULL ? sw_counter_get(&detect_handle_stats(ctx->det_h)->reloads) : 0);
		put(cs, "detect.reload_errors",
		    ctx->det_h != NULL ? sw_counter_get(&detect_handle_stats(ctx->det_h)->reload_errors)
				       : 0);
		put(cs, "detect.retired_pending", ctx->det_h != NULL ? detect_handle_pending(ctx->det_h) : 0);
		{
			uint64_t byp = 0;

			for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++)
				byp += run_worker_detect_bypassed(ctx, i);
			put(cs, "detect.bypassed", byp);
		}
		{ /* counters summed over the workers: lua scripts (detect_lua.c: calls that failed,
		   * were cut, were refused memory) and raw stream inspection (what the window costs
		   * per new stream byte) */
			static const struct {
				const char *name;
				size_t off;
			} dc[] = {
			    {"detect.lua.errors", offsetof(struct detect_stats, lua_errors)},
			    {"detect.lua.instruction_limit", offsetof(struct detect_stats, lua_instr_limit)},
			    {"detect.lua.memory_refused", offsetof(struct detect_stats, lua_mem_refused)},
			    {"detect.stream_bytes", offsetof(struct detect_stats, stream_bytes)},
			    {"detect.stream_scanned", offsetof(struct detect_stats, stream_scanned)},
			    {"detect.stream_copied", offsetof(struct detect_stats, stream_copied)},
			};

			for (size_t k = 0; k < sizeof(dc) / sizeof(dc[0]); k++) {
				uint64_t v = 0;

				for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++)
					v += sw_counter_get((const sw_counter_t *)(const void *)((
					    const char *)run_worker_detect_st(ctx, i) + dc[k].off));
				put(cs, dc[k].name, v);
			}
		}
	}
	if (ctx->output.evidence.enabled) {
		static const char *const en[8] = {
			"evidence.captures", "evidence.packets", "evidence.bytes", "evidence.files",
			"evidence.published", "evidence.cut", "evidence.write_errors",
			"evidence.memuse",
		};
		uint64_t ev[8] = {0}, er = 0;

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			const struct evidence_stats *es = run_worker_evidence_stats(ctx, i);

			if (es == NULL)
				continue;
			ev[0] += sw_counter_get(&es->captures);
			ev[1] += sw_counter_get(&es->packets);
			ev[2] += sw_counter_get(&es->bytes);
			ev[3] += sw_counter_get(&es->files);
			ev[4] += sw_counter_get(&es->published);
			ev[5] += sw_counter_get(&es->cut);
			ev[6] += sw_counter_get(&es->write_errors);
			ev[7] += sw_counter_get(&es->mem.memuse);
			er += sw_counter_get(&es->mem.refused);
		}
		for (int k = 0; k < 8; k++)
			put(cs, en[k], ev[k]);
		put(cs, "evidence.memcap_refused", er);
	}
	if (ctx->output.file_store.enabled || ctx->output.tls_store.enabled) {
		static const char *const fn[11] = {
			"file_store.stored", "file_store.bytes", "file_store.dups",
			"file_store.truncated", "file_store.depth", "file_store.memcap_refused",
			"file_store.fs_errors", "file_store.not_kept", "file_store.cut",
			"tls_store.stored", "tls_store.errors",
		};
		uint64_t fv[11] = {0};

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			const struct filestore_stats *fst = run_worker_filestore_stats(ctx, i);

			if (fst == NULL)
				continue;
			fv[0] += sw_counter_get(&fst->stored);
			fv[1] += sw_counter_get(&fst->bytes);
			fv[2] += sw_counter_get(&fst->dups);
			fv[3] += sw_counter_get(&fst->truncated);
			fv[4] += sw_counter_get(&fst->depth);
			fv[5] += sw_counter_get(&fst->memcap_refused);
			fv[6] += sw_counter_get(&fst->fs_errors);
			fv[7] += sw_counter_get(&fst->not_kept);
			fv[8] += sw_counter_get(&fst->cut);
			fv[9] += sw_counter_get(&fst->tls_stored);
			fv[10] += sw_counter_get(&fst->tls_errors);
		}
		for (int k = 0; k < 11; k++)
			put(cs, fn[k], fv[k]);
	}
	if (ctx->cti_h != NULL) {
		put(cs, "cti.version", sw_counter_get(&ctx->cti_version));
		put(cs, "cti.indicators", sw_counter_get(&ctx->cti_indicators));
		put(cs, "cti.bytes", sw_counter_get(&ctx->cti_bytes));
		put(cs, "cti.reloads", sw_counter_get(&ctx->cti_reloads));
		put(cs, "cti.reload_errors", sw_counter_get(&ctx->cti_reload_errors));
		put(cs, "cti.retired_pending", cti_handle_pending(ctx->cti_h));
		{
			uint64_t mu = 0, mr = 0;

			for (uint32_t k = 0; ctx->workers != NULL && k < ctx->nworkers; k++) {
				const struct sw_memcap *m = run_worker_cti_mem(ctx, k);

				if (m != NULL) {
					mu += sw_counter_get(&m->memuse);
					mr += sw_counter_get(&m->refused);
				}
			}
			put(cs, "cti.memuse", mu);
			put(cs, "cti.memcap_refused", mr);
		}
		if (ctx->cti_k != NULL) { /* the intel topic (issue 17) */
			struct cti_kafka_stats ks;

			cti_kafka_get_stats(ctx->cti_k, &ks);
			put(cs, "cti.kafka.messages", ks.messages);
			put(cs, "cti.kafka.applied", ks.applied);
			put(cs, "cti.kafka.removed", ks.removed);
			put(cs, "cti.kafka.malformed", ks.malformed);
			put(cs, "cti.kafka.deltas", ks.batches);
			put(cs, "cti.kafka.merges", ks.merges);
			put(cs, "cti.kafka.commits", ks.commits);
			put(cs, "cti.kafka.lag", ks.lag < 0 ? 0 : (uint64_t)ks.lag);
			put(cs, "cti.kafka.memuse", ks.memuse);
			put(cs, "cti.kafka.memcap_refused", ks.memcap_refused);
		}
		if (ctx->cti.retro_minutes > 0) { /* the retro-hunt windows (issue 17) */
			struct cti_retro_stats rs;

			cti_handle_retro_stats(ctx->cti_h, &rs);
			put(cs, "cti.retro.observations", rs.observations);
			put(cs, "cti.retro.records", rs.records);
			put(cs, "cti.retro.bytes", rs.bytes);
			put(cs, "cti.retro.memuse", rs.memuse);
			put(cs, "cti.retro.expired", rs.expired);
			put(cs, "cti.retro.evicted", rs.evicted);
			put(cs, "cti.retro.refused", rs.refused);
			put(cs, "cti.retro.deduped", rs.deduped);
			put(cs, "cti.retro.scans", rs.scans);
			put(cs, "cti.retro.hits", rs.hits);
			put(cs, "cti.retro.pairs", rs.pairs);
			put(cs, "cti.retro.forgotten", rs.forgotten);
		}
	}
	if (ctx->dpi.enabled) {
		uint64_t dv[8] = {0};

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			struct dpi_stats *ds = run_worker_dpi_stats(ctx, i);

			if (ds == NULL)
				continue;
			dv[0] += sw_counter_get(&ds->flows);
			dv[1] += sw_counter_get(&ds->detected);
			dv[2] += sw_counter_get(&ds->guessed);
			dv[3] += sw_counter_get(&ds->failed);
			dv[4] += sw_counter_get(&ds->packets);
			dv[5] += sw_counter_get(&ds->active);
			dv[6] += sw_counter_get(&ds->mem.memuse);
			dv[7] += sw_counter_get(&ds->mem.refused);
		}
		put(cs, "dpi.flows", dv[0]);
		put(cs, "dpi.detected", dv[1]);
		put(cs, "dpi.guessed", dv[2]);
		put(cs, "dpi.failed", dv[3]);
		put(cs, "dpi.packets", dv[4]);
		put(cs, "dpi.active", dv[5]);
		put(cs, "dpi.memuse", dv[6]);
		put(cs, "dpi.memcap_refused", dv[7]);
	}
	{ /* the workers' object pools (struct sw_pool): hits, misses, kept of each */
		static const char *const pn[10][3] = {
#define POOL_NAMES(n) {"pool." n ".hits", "pool." n ".misses", "pool." n ".kept"}
			POOL_NAMES("stream.segment"), POOL_NAMES("stream.state"),
			POOL_NAMES("dpi.state"),      POOL_NAMES("dpi.flow"),
			POOL_NAMES("app.flow"),       POOL_NAMES("app.http_state"),
			POOL_NAMES("app.http_txn"),   POOL_NAMES("app.tls_state"),
			POOL_NAMES("app.dns_state"),  POOL_NAMES("app.tls_work"),
#undef POOL_NAMES
		};
		uint64_t pv[10][3] = {{0}};

		for (i = 0; ctx->workers != NULL && i < ctx->nworkers; i++) {
			struct stream_stats *ss = run_worker_stream_stats(ctx, i);
			struct dpi_stats *ds = run_worker_dpi_stats(ctx, i);
			struct app_stats *as = run_worker_app_stats(ctx, i);
			const struct sw_pool_stats *ps[10] = {NULL};

			for (int k = 0; k < 2; k++) {
				ps[k] = ss != NULL ? &ss->pools[k] : NULL;
				ps[2 + k] = ds != NULL ? &ds->pools[k] : NULL;
			}
			for (int k = 0; k < APP_POOL_MAX; k++)
				ps[4 + k] = as != NULL ? &as->pools[k] : NULL;
			for (int k = 0; k < 10; k++)
				if (ps[k] != NULL) {
					pv[k][0] += sw_counter_get(&ps[k]->hits);
					pv[k][1] += sw_counter_get(&ps[k]->misses);
					pv[k][2] += sw_counter_get(&ps[k]->kept);
				}
		}
		for (int k = 0; k < 10; k++)
			if (pv[k][0] + pv[k][1] + pv[k][2] != 0)
				for (int j = 0; j < 3; j++)
					put(cs, pn[k][j], pv[k][j]);
	}
	{
		const struct output_kafka_stats *ks = ctx->out != NULL
							      ? output_kafka_get_stats(ctx->out)
							      : NULL;

		if (ks != NULL) {
			put(cs, "kafka.produced", sw_counter_get(&ks->produced));
			put(cs, "kafka.delivered", sw_counter_get(&ks->delivered));
			put(cs, "kafka.failed", sw_counter_get(&ks->failed));
			put(cs, "kafka.queue_full", sw_counter_get(&ks->queue_full));
			put(cs, "kafka.spooled", sw_counter_get(&ks->spooled));
			put(cs, "kafka.replayed", sw_counter_get(&ks->replayed));
			put(cs, "kafka.dropped", sw_counter_get(&ks->dropped));
			put(cs, "kafka.corrupt", sw_counter_get(&ks->corrupt));
			put(cs, "kafka.spool_bytes", sw_counter_get(&ks->spool_bytes));
			put(cs, "kafka.spool_segments", sw_counter_get(&ks->spool_segments));
			put(cs, "kafka.queue_depth", sw_counter_get(&ks->queue_depth));
			put(cs, "kafka.brokers_up", sw_counter_get(&ks->brokers_up));
		}
	}
	if (os != NULL) {
		put(cs, "output.events.alert", sw_counter_get(&os->written[EVE_ALERT]));
		put(cs, "output.events.flow", sw_counter_get(&os->written[EVE_FLOW]));
		put(cs, "output.events.anomaly", sw_counter_get(&os->written[EVE_ANOMALY]));
		put(cs, "output.events.stats", sw_counter_get(&os->written[EVE_STATS]));
		put(cs, "output.write_errors", sw_counter_get(&os->write_errors));
	}
	if (ctx->out != NULL && output_report_get_stats(ctx->out) != NULL) {
		const struct output_report_stats *rs = output_report_get_stats(ctx->out);

		put(cs, "report.memuse", sw_counter_get(&rs->mem.memuse));
		put(cs, "report.memcap_refused", sw_counter_get(&rs->mem.refused));
		put(cs, "report.alerts_detailed", sw_counter_get(&rs->alerts_detailed));
		put(cs, "report.alerts_summarized", sw_counter_get(&rs->alerts_summarized));
		put(cs, "report.unparsed", sw_counter_get(&rs->unparsed));
	}
	memset(fs_sum, 0, sizeof(*fs_sum));
	sw_counter_add(&fs_sum->created, created);
	sw_counter_add(&fs_sum->ended[FLOW_END_FORCED], ended[FLOW_END_FORCED]);
	sw_counter_add(&fs_sum->mem.refused, refused);
}

/* The loss section (by cause, with the total) appended to the counters, and the /metrics
 * snapshot made of them. */
static void
loss_and_metrics(struct sw_ctx *ctx, struct counters *cs, struct loss_figures *lf)
{
	struct metrics_worker mw[64];
	struct metrics_input in;
	uint32_t i, nw = ctx->workers != NULL ? ctx->nworkers : 0;
	int k;

	loss_from_counters(cs->c, cs->n, lf);
	for (k = 0; k < LOSS_MAX; k++)
		put(cs, loss_counter_name(k), lf->v[k]);
	put(cs, "loss.total", lf->total);
	if (ctx->metrics == NULL)
		return;
	if (nw > sizeof(mw) / sizeof(mw[0]))
		nw = sizeof(mw) / sizeof(mw[0]);
	memset(mw, 0, sizeof(mw));
	for (i = 0; i < nw; i++) {
		struct flow_stats *fs = run_worker_flow_stats(ctx, i);
		struct stream_stats *ss = run_worker_stream_stats(ctx, i);

		mw[i].packets = run_worker_packets(ctx, i);
		if (fs != NULL) {
			mw[i].flows_active = sw_counter_get(&fs->active);
			mw[i].flow_memcap_refused = sw_counter_get(&fs->mem.refused);
		}
		if (ss != NULL) {
			mw[i].stream_gaps = sw_counter_get(&ss->gaps);
			mw[i].stream_memcap_refused = sw_counter_get(&ss->memcap_refused);
		}
	}
	memset(&in, 0, sizeof(in));
	in.c = cs->c;
	in.n = cs->n;
	in.loss = lf;
	in.workers = mw;
	in.nworkers = nw;
	/* the capture totals are labelled by the interface when there is one (several: the
	 * per-interface families say which) */
	in.interface = NULL;
	if (ctx->live && ctx->capture.nports == 1 && ctx->capture.ports[0].nifs == 1)
		in.interface = ctx->capture.ports[0].ifs[0];
	else if (ctx->live && ctx->capture.nports == 0)
		in.interface = ctx->capture.interface;
	in.uptime = (sw_time_monotonic() - ctx->start_mono) / SW_USEC_PER_SEC;
	metrics_publish(ctx->metrics, &in);
}

void
run_metrics_refresh(struct sw_ctx *ctx)
{
	struct counters cs = {NULL, 0, 0, false};
	struct capture_stats cap;
	struct flow_stats fs;
	struct loss_figures lf;

	collect(ctx, &cs, &cap, &fs);
	loss_and_metrics(ctx, &cs, &lf);
	free(cs.c);
}

/* A loss event when the interval that ends at ts lost anything. */
static void
report_loss(struct sw_ctx *ctx, const struct loss_figures *lf, sw_time_t ts)
{
	const char *names[LOSS_MAX];
	uint64_t values[LOSS_MAX];
	struct loss_figures d;
	sw_time_t start;
	size_t n = 0;
	int k;

	if (!ctx->loss.started) {
		ctx->loss.interval_start = ctx->live || ctx->replay_start == 0 ? ctx->start_wall
									       : ctx->replay_start;
		ctx->loss.started = true;
	}
	if (!loss_interval(&ctx->loss, lf, ts, &d, &start))
		return;
	if (ctx->out == NULL || !output_enabled(ctx->out, EVE_LOSS))
		return;
	for (k = 0; k < LOSS_MAX; k++)
		if (d.v[k] != 0) {
			names[n] = loss_cause_name(k);
			values[n++] = d.v[k];
		}
	eve_format_loss(&ctx->evbuf, &ctx->eve, start, ts, names, values, n, d.total, d.gap_bytes);
	if (!sbuf_failed(&ctx->evbuf))
		output_write(ctx->out, EVE_LOSS, ctx->evbuf.p, ctx->evbuf.len);
}

void
run_report_stats(struct sw_ctx *ctx, bool final)
{
	struct loss_figures lf;
	struct counters cs = {NULL, 0, 0, false};
	struct capture_stats cap;
	struct flow_stats fs;
	uint64_t elapsed_us = sw_time_monotonic() - ctx->start_mono;
	double secs = (double)elapsed_us / 1e6;
	uint64_t pkts, bytes, invalid, alerts = 0, events = 0, wtcp_bad, wskipped;
	struct decode_stats dsum;

	/* Offline the events carry the time the replay ended, like every other event of the
	 * file; live it is the clock. */
	sw_time_t ts = final && !ctx->live ? ctx->replay_end : sw_time_now();

	collect(ctx, &cs, &cap, &fs);
	loss_and_metrics(ctx, &cs, &lf);
	if (ctx->out != NULL && output_enabled(ctx->out, EVE_STATS)) {
		eve_format_stats(&ctx->evbuf, &ctx->eve, ts, elapsed_us / SW_USEC_PER_SEC, cs.c,
				 cs.n);
		if (!sbuf_failed(&ctx->evbuf))
			output_write(ctx->out, EVE_STATS, ctx->evbuf.p, ctx->evbuf.len);
	}
	free(cs.c);
	report_loss(ctx, &lf, ts);
	if (ctx->out != NULL)
		output_flush(ctx->out);
	if (!final)
		return;
	run_decode_stats(ctx, &dsum);
	pkts = sw_counter_get(&dsum.pkts);
	bytes = sw_counter_get(&dsum.bytes);
	invalid = sw_counter_get(&dsum.invalid);
	run_workers_csum_stats(ctx, &wtcp_bad, &wskipped);
	if (ctx->out != NULL) { /* read after the stats event above, which counts too */
		const struct output_stats *os = output_get_stats(ctx->out);

		alerts = sw_counter_get(&os->written[EVE_ALERT]); /* rule and CTI alerts */
		for (int t = 0; t < EVE_TYPE_MAX; t++)
			events += sw_counter_get(&os->written[t]);
	}
	fprintf(stderr,
		"spanwatch: %llu packets, %llu bytes in %.3f s (%.0f packets/s, %.3f Gbit/s); "
		"%llu alerts (rules and CTI), %llu events written; "
		"%llu flows (%llu evicted, %llu refused); %llu decode errors; "
		"%llu kept out of flows for bad checksums; "
		"%llu dropped by the kernel; %llu capture file errors; "
		"%llu lost in all (stats loss.total, by cause)\n",
		(unsigned long long)pkts, (unsigned long long)bytes, secs,
		secs > 0 ? (double)pkts / secs : 0.0,
		secs > 0 ? (double)bytes * 8 / secs / 1e9 : 0.0, (unsigned long long)alerts,
		(unsigned long long)events, (unsigned long long)sw_counter_get(&fs.created),
		(unsigned long long)sw_counter_get(&fs.ended[FLOW_END_FORCED]),
		(unsigned long long)sw_counter_get(&fs.mem.refused), (unsigned long long)invalid,
		(unsigned long long)(sw_counter_get(&dsum.csum_skipped) + wskipped),
		(unsigned long long)(cap.kernel_drop + cap.if_drop),
		(unsigned long long)cap.file_errors, (unsigned long long)lf.total);
}
