/* src/detect/detect_geoip.c: Suricata 7's geoip keyword (docs.suricata.io, "Rules", "IP
 * Keywords", geoip): whether the country of a packet's IPv4 source, destination, either or both
 * is in (or, negated, not in) a list of ISO 3166 alpha-2 codes. Countries come from the MaxMind
 * DB file of the geoip-database key (GeoLite2/GeoIP2 Country or City, DB-IP country: the
 * country.iso_code of the address's record), read with libmaxminddb, and are cached per flow
 * so a flow's addresses are looked up once each. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "detect/detect_eng_int.h"

struct det_geoip {
	MMDB_s mmdb;
};

int
det_geoip_open(const char *path, struct det_geoip **out, char *err, size_t errlen)
{
	struct det_geoip *g;
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { /* mmap would say "No such device" */
		snprintf(err, errlen, "is a directory, not a MaxMind DB file");
		return SW_E_CONFIG;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return SW_E_NOMEM;
	/* MMDB_MODE_MMAP: the file is mapped read-only; lookups on it are thread-safe */
	errno = 0;
	if ((rc = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb)) != MMDB_SUCCESS) {
		int e = errno;

		if ((rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) && e != 0)
			snprintf(err, errlen, "%s", strerror(e));
		else
			snprintf(err, errlen, "not a MaxMind DB file: %s", MMDB_strerror(rc));
		free(g);
		return SW_E_CONFIG;
	}
	*out = g;
	return 0;
}

void
det_geoip_free(struct det_geoip *g)
{
	if (g == NULL)
		return;
	MMDB_close(&g->mmdb);
	free(g);
}

const char *
det_geoip_type(const struct det_geoip *g)
{
	return g->mmdb.metadata.database_type != NULL ? g->mmdb.metadata.database_type : "?";
}

/* The country code of an IPv4 address as Suricata 7 reads it (country.iso_code, a UTF-8
 * string): two characters packed as c0 << 8 | c1; DET_GEO_NONE when the database has no entry
 * or the entry no code; DET_GEO_OTHER for a code of another length, which is a country (a
 * negated list matches it) that no two-letter code of a rule equals. */
uint16_t
det_geoip_lookup(const struct det_geoip *g, const uint8_t v4[4])
{
	struct sockaddr_in sa;
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d;
	int mmerr = MMDB_SUCCESS;
	const uint8_t *s;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	memcpy(&sa.sin_addr, v4, 4);
	res = MMDB_lookup_sockaddr(&g->mmdb, (const struct sockaddr *)&sa, &mmerr);
	if (mmerr != MMDB_SUCCESS || !res.found_entry)
		return DET_GEO_NONE;
	if (MMDB_get_value(&res.entry, &d, "country", "iso_code", NULL) != MMDB_SUCCESS ||
	    !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return DET_GEO_NONE;
	if (d.data_size != 2)
		return d.data_size == 0 ? DET_GEO_NONE : DET_GEO_OTHER;
	s = (const uint8_t *)d.utf8_string;
	if (s[0] == 0 || s[1] == 0) /* an embedded NUL: Suricata's strcmp stops there */
		return DET_GEO_OTHER;
	return (uint16_t)(s[0] << 8 | s[1]);
}

/* ---- parsing ------------------------------------------------------------------------------- */

static const char *const geo_dirs[] = {"src", "dst", "both", "any"};

/*
 * geoip:[src|dst|both|any,][!]CC[,[!]CC...] as Suricata 7 reads it: the first item is the
 * direction when it names one (else the direction is "any" and it is the first code); a '!'
 * before any code negates the whole list (the rule matches an address whose country is known
 * and in none of the codes). At most 64 codes. Stricter than Suricata where it would read
 * garbage: a code must be two upper-case letters (the database's form: "us" or "USA" would
 * never match); items may have blanks around them, the value may be quoted.
 */
int
det_geoip_parse(struct det_rule *r, struct det_kw *k, char *v, struct det_parse_error *err)
{
	char *item, *next, *codes;
	size_t n = 0;
	bool first = true;

	(void)r;
	if (v == NULL || *(v = det_trim(v)) == '\0')
		return det_kw_fail(err, "geoip: missing value%s", "");
	if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') { /* geoip:"src,US" */
		v[strlen(v) - 1] = '\0';
		v++;
	}
	if ((codes = malloc(2 * DET_GEO_MAXCODES + 1)) == NULL)
		return SW_E_NOMEM;
	k->kind = DET_KW_GEOIP;
	k->track = DET_GEO_ANY;
	for (item = v; item != NULL; item = next) {
		char *s;

		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		s = det_trim(item);
		if (first) {
			first = false;
			for (size_t i = 0; i < sizeof(geo_dirs) / sizeof(geo_dirs[0]); i++) {
				if (strcmp(s, geo_dirs[i]) == 0) {
					k->track = (uint8_t)i;
					s = NULL;
					break;
				}
			}
			if (s == NULL)
				continue;
		}
		if (*s == '!') {
			k->negated = true;
			s = det_trim(s + 1);
		}
		if (*s == '\0') {
			free(codes);
			return det_kw_fail(err, "geoip: empty item %zu in the list", n + 1);
		}
		if (strlen(s) != 2 || !isupper((unsigned char)s[0]) ||
		    !isupper((unsigned char)s[1])) {
			det_kw_fail(err,
			            "geoip: bad country code '%.20s': expected two upper-case "
			            "letters (ISO 3166 alpha-2, as the database has them: US, JP)",
			            s);
			free(codes);
			return SW_E_INVAL;
		}
		if (n == DET_GEO_MAXCODES) {
			free(codes);
			return det_kw_fail(err, "geoip: more than %d country codes",
			                   DET_GEO_MAXCODES);
		}
		codes[2 * n] = s[0];
		codes[2 * n + 1] = s[1];
		n++;
	}
	if (n == 0) {
		free(codes);
		return det_kw_fail(err, "geoip: no country code after '%s'", geo_dirs[k->track]);
	}
	codes[2 * n] = '\0';
	k->name = codes; /* "USJP": freed with the rule's keywords */
	k->count = (uint32_t)n;
	return 0;
}

/* ---- matching ------------------------------------------------------------------------------ */

static uint16_t
geo_country(const struct det_geoip *g, const struct sw_addr *a, struct det_geoip_cache *cache)
{
	det_u128 key = det_addr_key(4, a->b);
	uint16_t cc;

	if (cache != NULL) {
		for (int i = 0; i < 2; i++)
			if ((cache->have & (1u << i)) && cache->key[i] == key)
				return cache->cc[i];
	}
	cc = det_geoip_lookup(g, a->b);
	if (cache != NULL) { /* a flow has two addresses: the slot not just used */
		int i = cache->next;

		cache->key[i] = key;
		cache->cc[i] = cc;
		cache->have |= (uint8_t)(1u << i);
		cache->next = (uint8_t)(i ^ 1);
	}
	return cc;
}

/* Suricata 7's check of one address: a country is needed; then in the list, or (negated) in
 * none of it. */
static bool
geo_addr_ok(const struct det_geoip *g, const struct det_kw *k, const struct sw_addr *a,
            struct det_geoip_cache *cache)
{
	uint16_t cc = geo_country(g, a, cache);
	bool in = false;

	if (cc == DET_GEO_NONE)
		return false;
	for (uint32_t i = 0; i < k->count && !in; i++)
		in = cc == (uint16_t)((uint8_t)k->name[2 * i] << 8 | (uint8_t)k->name[2 * i + 1]);
	return in != k->negated;
}

bool
det_geoip_match(const struct det_geoip *g, const struct det_kw *k, int family,
                const struct sw_addr *src, const struct sw_addr *dst,
                struct det_geoip_cache *cache)
{
	/* Suricata 7 looks up IPv4 packets only ("The keyword only supports IPv4") */
	if (g == NULL || family != 4 || src == NULL || dst == NULL)
		return false;
	switch (k->track) {
	case DET_GEO_SRC:
		return geo_addr_ok(g, k, src, cache);
	case DET_GEO_DST:
		return geo_addr_ok(g, k, dst, cache);
	case DET_GEO_BOTH:
		return geo_addr_ok(g, k, src, cache) && geo_addr_ok(g, k, dst, cache);
	default:
		return geo_addr_ok(g, k, src, cache) || geo_addr_ok(g, k, dst, cache);
	}
}
