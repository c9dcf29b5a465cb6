/* src/cti/cti_flow.c: indicators against traffic (DESIGN.md "CTI indicators"): both addresses
 * of a flow, and every observable its app-layer messages declare through their descriptors
 * (app.h), one alert per flow and indicator. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cti/cti_int.h"

/* The indicators a flow has alerted on: an open-addressed set of 64-bit keys (hash of type and
 * indicator), grown by doubling and charged to the reader's memcap. */
struct cti_flow_seen {
	uint32_t n, cap; /* cap: a power of two */
	uint64_t key[];  /* 0 is free */
};

unsigned
cti_store_file_hashes(const struct cti_store *s)
{
	unsigned mask = 0;

	if (s != NULL && cti_store_count(s, CTI_T_MD5) > 0)
		mask |= APP_HASH_MD5;
	if (s != NULL && cti_store_count(s, CTI_T_SHA1) > 0)
		mask |= APP_HASH_SHA1;
	if (s != NULL && cti_store_count(s, CTI_T_SHA256) > 0)
		mask |= APP_HASH_SHA256;
	return mask;
}

static size_t
seen_bytes(uint32_t cap)
{
	return sizeof(struct cti_flow_seen) + (size_t)cap * sizeof(uint64_t);
}

/* Adds key to f's set; false when it was there already. Over the memcap the key is not
 * remembered (counted) and the alert goes out anyway: a duplicate beats a lost alert. */
static bool
seen_add(struct cti_reader *r, struct sw_flow *f, uint64_t key)
{
	struct cti_flow_seen *s = f->cti, *ns;
	uint32_t i;

	key |= 1; /* never 0 */
	if (s != NULL) {
		for (i = (uint32_t)key & (s->cap - 1); s->key[i] != 0; i = (i + 1) & (s->cap - 1))
			if (s->key[i] == key)
				return false;
	}
	if (s == NULL || (s->n + 1) * 4 > s->cap * 3) {
		uint32_t cap = s != NULL ? s->cap * 2 : 8;

		if (!sw_memcap_take(cti_reader_mem(r), seen_bytes(cap)))
			return true;
		if ((ns = calloc(1, seen_bytes(cap))) == NULL) {
			sw_memcap_give(cti_reader_mem(r), seen_bytes(cap));
			return true;
		}
		ns->cap = cap;
		for (uint32_t k = 0; s != NULL && k < s->cap; k++) {
			if (s->key[k] == 0)
				continue;
			for (i = (uint32_t)s->key[k] & (cap - 1); ns->key[i] != 0; i = (i + 1) & (cap - 1))
				;
			ns->key[i] = s->key[k];
			ns->n++;
		}
		if (s != NULL) {
			sw_memcap_give(cti_reader_mem(r), seen_bytes(s->cap));
			free(s);
		}
		f->cti = s = ns;
	}
	for (i = (uint32_t)key & (s->cap - 1); s->key[i] != 0; i = (i + 1) & (s->cap - 1))
		;
	s->key[i] = key;
	s->n++;
	return true;
}

void
cti_flow_free(struct cti_reader *r, struct sw_flow *f)
{
	struct cti_flow_seen *s = f->cti;

	if (s == NULL)
		return;
	sw_memcap_give(r != NULL ? cti_reader_mem(r) : NULL, seen_bytes(s->cap));
	free(s);
	f->cti = NULL;
}

struct check {
	struct cti_reader *r;
	const struct cti_store *s;
	struct sw_flow *f;
	sw_time_t ts;
	cti_alert_fn *fn;
	void *arg;
};

static void
check_hit(struct check *c, enum flow_dir dir, const struct cti_hit *hit, const char *matched_on)
{
	uint64_t key = sw_hash64(hit->indicator, strlen(hit->indicator), (uint64_t)hit->type + 1);

	struct cti_retro *w = cti_reader_window(c->r);

	if (!seen_add(c->r, c->f, key))
		return;
	if (w != NULL)
		cti_retro_live_hit(w, c->f, c->ts, hit);
	c->f->alerted = true;
	c->fn(c->arg, c->f, c->ts, dir, hit, matched_on);
}

/* Records an observation in the reader's retro-hunt window, once per flow and value. */
static void
retro_note(struct check *c, int type, const char *where, enum flow_dir dir, const void *value,
           size_t len, uint8_t family)
{
	struct cti_retro *w = cti_reader_window(c->r);
	uint64_t key;

	if (w == NULL)
		return;
	key = sw_hash64(value, len, 0x726574726f00ULL + (uint64_t)type);
	if (!seen_add(c->r, c->f, key)) {
		cti_retro_count_dedup(w);
		return;
	}
	cti_retro_note(w, c->f, c->ts, cti_store_version(c->s), type, where, dir, value, len,
	               family);
}

static void
check_observable(void *arg, const struct app_observable *o)
{
	struct check *c = arg;
	struct cti_hit hit;

	retro_note(c, o->type, o->where, o->dir, o->value, o->len, o->family);
	if (cti_store_match_observable(c->s, o, c->ts, &hit) != NULL)
		check_hit(c, o->dir, &hit, o->where);
}

void
cti_flow_check_addrs(struct cti_reader *r, struct sw_flow *f, sw_time_t ts, bool tunnel,
		     cti_alert_fn *fn, void *arg)
{
	struct check c = {r, cti_reader_store(r), f, ts, fn, arg};
	struct cti_hit hit;

	if (c.s == NULL)
		return;
	retro_note(&c, CTI_RETRO_ADDRS, "flow", FLOW_TO_SERVER, "", 0, f->family);
	if (cti_store_match_ip(c.s, f->family, f->cli.b, ts, &hit) != NULL)
		check_hit(&c, FLOW_TO_SERVER, &hit, "flow.src_ip");
	if (cti_store_match_ip(c.s, f->family, f->srv.b, ts, &hit) != NULL)
		check_hit(&c, FLOW_TO_SERVER, &hit, "flow.dest_ip");
	if (!tunnel || f->tun == NULL)
		return;
	for (uint8_t i = 0; i < f->tun->depth; i++) {
		const struct flow_tunnel_layer *l = &f->tun->layer[i];

		if (cti_store_match_ip(c.s, l->family, l->src.b, ts, &hit) != NULL)
			check_hit(&c, FLOW_TO_SERVER, &hit, "tunnel.src_ip");
		if (cti_store_match_ip(c.s, l->family, l->dst.b, ts, &hit) != NULL)
			check_hit(&c, FLOW_TO_SERVER, &hit, "tunnel.dest_ip");
	}
}

void
cti_flow_check_msg(struct cti_reader *r, struct sw_flow *f, const struct app_msg *msg,
		   cti_alert_fn *fn, void *arg)
{
	struct check c = {r, cti_reader_store(r), f, msg->ts, fn, arg};

	if (c.s != NULL)
		app_msg_observables(msg, check_observable, &c);
}
