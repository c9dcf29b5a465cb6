/* src/output/output_kafka.c: the "kafka" sink: a librdkafka producer (acks=all, idempotence,
 * lz4) with a topic per event type, the flow's community_id as message key, event type and
 * sensor as headers; every event is first written to the on-disk spool, so what the cluster has
 * not confirmed survives an outage, a full queue, SIGTERM and kill -9, and is replayed oldest
 * first at a bounded rate once the brokers answer again. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "output/output_int.h"

#define REPLAY_WINDOW 1000 /* spooled events in flight at once */

struct output_sink {
	rd_kafka_t *rk;
	const struct output_kafka_conf *conf;
	const char *sensor;
	struct spool *spool;
	pthread_t poller;
	bool poller_started;
	_Atomic bool stop;
	struct output_kafka_stats st;
};

const struct output_kafka_stats *
output_kafka_sink_stats(const struct output_sink *s)
{
	return &s->st;
}

/* The value of "community_id" in an EVE line, the message key. */
static const char *
event_key(const char *json, size_t len, size_t *klen)
{
	static const char tag[] = "\"community_id\":\"";
	const char *p = memmem(json, len, tag, sizeof(tag) - 1), *e;

	*klen = 0;
	if (p == NULL)
		return NULL;
	p += sizeof(tag) - 1;
	if ((e = memchr(p, '"', (size_t)(json + len - p))) == NULL)
		return NULL;
	*klen = (size_t)(e - p);
	return p;
}

static void
set_up(struct output_sink *s, bool up)
{
	if (up && !sw_counter_get(&s->st.brokers_up))
		sw_notice("kafka: brokers reachable");
	else if (!up && sw_counter_get(&s->st.brokers_up))
		sw_warn("kafka: brokers unreachable; events are kept in the spool");
	atomic_store_explicit(&s->st.brokers_up, up ? 1 : 0, memory_order_relaxed);
}

/* Delivery report: runs on the poller thread (rd_kafka_poll / flush). */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct output_sink *s = opaque;
	void *ref = m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sw_counter_add_shared(&s->st.delivered, 1);
		set_up(s, true);
		if (s->spool != NULL)
			spool_done(s->spool, ref, true);
	} else {
		sw_counter_add_shared(&s->st.failed, 1);
		if (ref == NULL) {
			/* it never made it to the spool (full): lost, and said so */
			sw_counter_add_shared(&s->st.dropped, 1);
			sw_warn("kafka: event lost (spool full): %s", rd_kafka_err2str(m->err));
		} else if (s->spool != NULL) {
			spool_done(s->spool, ref, false); /* pending again: replayed later */
		}
	}
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct output_sink *s = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT)
		set_up(s, false);
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		sw_err("kafka: fatal error: %s", reason);
	else
		sw_debug("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 3)
		sw_warn("kafka: %s: %s", fac, buf);
	else
		sw_debug("kafka: %s: %s", fac, buf);
}

static int
produce(struct output_sink *s, const char *topic, const void *key, size_t klen, const char *tname,
	const void *payload, size_t plen, void *ref)
{
	rd_kafka_resp_err_t err;
	void *k = klen > 0 ? (void *)key : NULL;

	err = rd_kafka_producev(
		s->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(k, klen),
		RD_KAFKA_V_VALUE((void *)payload, plen),
		RD_KAFKA_V_HEADER("event_type", tname, (ssize_t)strlen(tname)),
		RD_KAFKA_V_HEADER("sensor", s->sensor, (ssize_t)strlen(s->sensor)),
		RD_KAFKA_V_OPAQUE(ref), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sw_counter_add_shared(&s->st.produced, 1);
		return 0;
	}
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		sw_counter_add_shared(&s->st.queue_full, 1);
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		/* never sendable (an evidence pcap over message.max.bytes): not retried */
		sw_counter_add_shared(&s->st.dropped, 1);
		sw_warn("kafka: a %zu-byte message to %s dropped: %s", plen, topic,
			rd_kafka_err2str(err));
		return SW_E_RANGE;
	}
	return SW_E_AGAIN;
}

/* Event type of a replayed record (for its headers): its "event_type" field, else the first
 * type whose topic it is (several types may share the default topic). */
static int
type_of_record(const struct output_kafka_conf *c, const char *topic, const uint8_t *payload,
	       size_t len)
{
	static const char field[] = "\"event_type\":\"";
	const char *p = memmem(payload, len, field, sizeof(field) - 1);
	int t;

	if (p != NULL) {
		const char *v = p + sizeof(field) - 1, *end = (const char *)payload + len;

		for (t = 0; t < EVE_TYPE_MAX; t++) {
			size_t n = strlen(eve_type_name(t));

			if ((size_t)(end - v) > n && memcmp(v, eve_type_name(t), n) == 0 && v[n] == '"')
				return t;
		}
	}
	for (t = 0; t < EVE_TYPE_MAX; t++)
		if (c->topic[t] != NULL && strcmp(c->topic[t], topic) == 0)
			return t;
	return EVE_ALERT;
}

/* Produces spooled records at the configured rate while the cluster answers. */
static void
replay_some(struct output_sink *s, uint32_t budget)
{
	struct spool_rec rec;

	while (budget-- > 0 && rd_kafka_outq_len(s->rk) < REPLAY_WINDOW && !s->stop) {
		void *ref;
		int r;

		if (!spool_next(s->spool, &rec))
			return;
		ref = spool_ref_pack(rec.seg, rec.idx);
		/* an evidence pcap is binary: its topic says what it is */
		const char *tname =
			s->conf->evidence_topic != NULL && strcmp(rec.topic, s->conf->evidence_topic) == 0
				? "evidence"
				: eve_type_name(type_of_record(s->conf, rec.topic, rec.payload,
							       rec.payload_len));

		r = produce(s, rec.topic, rec.key, rec.key_len, tname, rec.payload, rec.payload_len,
			    ref);
		if (r == SW_E_RANGE) {
			spool_done(s->spool, ref, true); /* dropped, counted: never replayed */
			continue;
		}
		if (r != 0) {
			spool_done(s->spool, ref, false);
			return;
		}
		sw_counter_add_shared(&s->st.replayed, 1);
	}
}

static void
update_gauges(struct output_sink *s)
{
	struct spool_stats ss;

	if (s->rk != NULL)
		atomic_store_explicit(&s->st.queue_depth, (uint64_t)rd_kafka_outq_len(s->rk),
				      memory_order_relaxed);
	if (s->spool == NULL)
		return;
	spool_get_stats(s->spool, &ss);
	atomic_store_explicit(&s->st.spool_bytes, ss.bytes, memory_order_relaxed);
	atomic_store_explicit(&s->st.spool_segments, ss.segments, memory_order_relaxed);
	atomic_store_explicit(&s->st.corrupt, ss.corrupt, memory_order_relaxed);
}

/* Serves delivery reports, fsyncs the spool, replays it, keeps the gauges. */
static void *
poller_main(void *arg)
{
	struct output_sink *s = arg;
	sw_time_t last_sync = sw_time_monotonic(), last_replay = last_sync, now;

	while (!atomic_load(&s->stop)) {
		rd_kafka_poll(s->rk, 10);
		now = sw_time_monotonic();
		if (s->spool != NULL && now - last_sync >= (sw_time_t)s->conf->spool_fsync_ms * 1000) {
			spool_sync(s->spool);
			update_gauges(s);
			last_sync = now;
		}
		if (s->spool != NULL && now - last_replay >= 10000) {
			/* rate per second, spread over 10 ms ticks; a single probe while down */
			uint32_t budget = s->conf->replay_rate / 100 + 1;

			if (!sw_counter_get(&s->st.brokers_up))
				budget = rd_kafka_outq_len(s->rk) == 0 ? 1 : 0;
			replay_some(s, budget);
			last_replay = now;
		}
	}
	return NULL;
}

static void
kafka_close(struct output_sink *s)
{
	int waited;

	if (s == NULL)
		return;
	if (s->poller_started && s->spool != NULL) {
		/* Until the shutdown timeout, let the poller deliver and replay what is left. */
		sw_time_t end = sw_time_monotonic() +
				(sw_time_t)s->conf->shutdown_timeout * SW_USEC_PER_SEC;
		struct spool_stats ss;
		struct timespec ts = {0, 20 * 1000 * 1000};

		for (;;) {
			spool_get_stats(s->spool, &ss);
			if ((ss.pending == 0 && rd_kafka_outq_len(s->rk) == 0) ||
			    sw_time_monotonic() >= end)
				break;
			nanosleep(&ts, NULL);
		}
	}
	if (s->poller_started) {
		atomic_store(&s->stop, true);
		pthread_join(s->poller, NULL);
	}
	if (s->rk != NULL) {
		/* What the cluster has not confirmed by now stays in the spool for the next run. */
		rd_kafka_flush(s->rk, 100);
		if (rd_kafka_outq_len(s->rk) > 0) {
			sw_warn("kafka: %d events not confirmed at exit; kept in the spool",
				rd_kafka_outq_len(s->rk));
			rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		}
		for (waited = 0; rd_kafka_outq_len(s->rk) > 0 && waited < 50; waited++)
			rd_kafka_poll(s->rk, 100);
		rd_kafka_destroy(s->rk);
		s->rk = NULL;
		if (s->spool != NULL)
			spool_seal(s->spool);
		update_gauges(s);
		sw_notice("kafka: %llu produced, %llu delivered, %llu replayed, %llu spooled, "
			  "%llu dropped, %llu corrupt spool records, %llu bytes left in the spool",
			  (unsigned long long)sw_counter_get(&s->st.produced),
			  (unsigned long long)sw_counter_get(&s->st.delivered),
			  (unsigned long long)sw_counter_get(&s->st.replayed),
			  (unsigned long long)sw_counter_get(&s->st.spooled),
			  (unsigned long long)sw_counter_get(&s->st.dropped),
			  (unsigned long long)sw_counter_get(&s->st.corrupt),
			  (unsigned long long)sw_counter_get(&s->st.spool_bytes));
	}
	spool_close(s->spool);
	free(s);
}

static int
set_prop(rd_kafka_conf_t *kc, const char *k, const char *v)
{
	char err[512];

	if (rd_kafka_conf_set(kc, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		sw_err("outputs.kafka: property '%s': %s", k, err);
		return SW_E_CONFIG;
	}
	return 0;
}

static int
kafka_open(const struct output_conf *conf, struct output_sink **out)
{
	const struct output_kafka_conf *kcf = &conf->kafka;
	struct output_sink *s;
	rd_kafka_conf_t *kc;
	struct spool_conf sc;
	char err[512], num[32];
	size_t i;
	int r = 0;

	*out = NULL;
	if (kcf->brokers == NULL || kcf->brokers[0] == '\0') {
		sw_err("outputs.kafka: no brokers");
		return SW_E_CONFIG;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SW_E_NOMEM;
	s->conf = kcf;
	s->sensor = conf->sensor_name != NULL ? conf->sensor_name : "";
	atomic_init(&s->stop, false);
	sc.dir = kcf->spool_dir;
	sc.max_size = kcf->spool_max_size;
	sc.segment_size = kcf->spool_segment_size;
	if ((r = spool_open(&sc, &s->spool)) != 0)
		goto fail;

	kc = rd_kafka_conf_new();
	r |= set_prop(kc, "bootstrap.servers", kcf->brokers);
	r |= set_prop(kc, "acks", "all");
	r |= set_prop(kc, "enable.idempotence", "true");
	r |= set_prop(kc, "compression.codec", "lz4");
	snprintf(num, sizeof(num), "%u", kcf->delivery_timeout_ms);
	r |= set_prop(kc, "message.timeout.ms", num);
	snprintf(num, sizeof(num), "%u", kcf->queue_size);
	r |= set_prop(kc, "queue.buffering.max.messages", num);
	r |= set_prop(kc, "client.id", "spanwatch");
	for (i = 0; i < kcf->nprops; i++) /* the user's properties win */
		r |= set_prop(kc, kcf->prop_keys[i], kcf->prop_values[i] ?: "");
	if (r != 0) {
		rd_kafka_conf_destroy(kc);
		r = SW_E_CONFIG;
		goto fail;
	}
	rd_kafka_conf_set_opaque(kc, s);
	rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
	rd_kafka_conf_set_error_cb(kc, on_error);
	rd_kafka_conf_set_log_cb(kc, on_log);
	if ((s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err))) == NULL) {
		sw_err("outputs.kafka: %s", err);
		rd_kafka_conf_destroy(kc);
		r = SW_E_CONFIG;
		goto fail;
	}
	atomic_store(&s->st.brokers_up, 1); /* until told otherwise */
	if ((errno = pthread_create(&s->poller, NULL, poller_main, s)) != 0) {
		r = SW_E_NOMEM;
		goto fail;
	}
	s->poller_started = true;
	sw_notice("kafka: producing to %s", kcf->brokers);
	*out = s;
	return 0;
fail:
	kafka_close(s);
	return r;
}

/* Called by any worker; thread-safe (the spool and librdkafka have their own locks). */
static int
kafka_send(struct output_sink *s, const char *topic, const char *tname, const void *key,
	   size_t klen, const void *buf, size_t len)
{
	void *ref = NULL;
	int r;

	r = spool_append(s->spool, topic, key, klen, buf, len, &ref);
	if (r == 0)
		sw_counter_add_shared(&s->st.spooled, 1);
	else if (r != SW_E_MEMCAP)
		sw_warn("kafka: spool write failed: %s", sw_strerror(r));
	if ((r = produce(s, topic, key, klen, tname, buf, len, ref)) != 0) {
		if (r == SW_E_RANGE) {
			spool_done(s->spool, ref, true); /* dropped, counted: never replayed */
			return r;
		}
		if (ref != NULL) {
			spool_done(s->spool, ref, false); /* replayed once there is room */
			return 0;
		}
		sw_counter_add_shared(&s->st.dropped, 1);
		sw_warn("kafka: event dropped: the queue and the spool are both full");
		return SW_E_MEMCAP;
	}
	return 0;
}

static int
kafka_write(struct output_sink *s, int type, const char *buf, size_t len)
{
	const char *topic = s->conf->topic[type];
	const char *key;
	size_t klen;

	if (topic == NULL || topic[0] == '\0')
		return 0;
	if (len > 0 && buf[len - 1] == '\n')
		len--; /* a message is the JSON object, without the line end */
	key = event_key(buf, len, &klen);
	return kafka_send(s, topic, eve_type_name(type), key, klen, buf, len);
}

int
output_kafka_write_raw(struct output_sink *s, const char *topic, const void *key, size_t klen,
		       const void *buf, size_t len)
{
	return kafka_send(s, topic, "evidence", key, klen, buf, len);
}

static int
kafka_flush(struct output_sink *s)
{
	(void)s;
	return 0; /* the poller keeps the spool synced and librdkafka sends on its own */
}

const struct output_sink_ops output_sink_kafka = {
	.name = "kafka",
	.open = kafka_open,
	.write = kafka_write,
	.needs_lock = false,
	.flush = kafka_flush,
	.reopen = NULL,
	.close = kafka_close,
};

int
output_kafka_check_props(const struct output_kafka_conf *kcf, struct conf_doc *doc)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	char err[512], key[512], where[256];
	size_t i;
	int r = 0;

	for (i = 0; i < kcf->nprops; i++) {
		if (rd_kafka_conf_set(kc, kcf->prop_keys[i], kcf->prop_values[i] ?: "", err,
				      sizeof(err)) != RD_KAFKA_CONF_OK) {
			snprintf(key, sizeof(key), "outputs.kafka.properties.%s", kcf->prop_keys[i]);
			sw_err("%s: key '%s': %s", conf_doc_where(doc, key, where, sizeof(where)) ?: "?",
			       key, err);
			r = SW_E_CONFIG;
		}
	}
	rd_kafka_conf_destroy(kc);
	return r;
}
