/* src/detect/detect_lua.c: the lua / luajit rule keyword, Suricata 7's Lua detection scripts
 * (docs.suricata.io 7.0 "Lua Scripting for Detection" and "Lua functions"), on Lua 5.1.
 *
 * A script is read once when the rules load: it runs in a sandbox, init() returns its needs
 * (packet, payload, stream, one HTTP buffer, dns.*, tls, ssh, flowvar, flowint), which decide
 * where its rule is inspected. Each worker thread makes its own state of each script on first
 * use (one lua_State per script per thread, never shared) and calls match(args) where the
 * rule's other keywords are evaluated; 1 is a match.
 *
 * Rules come from feeds and we run as root on hostile traffic, so: lua rules are off unless
 * detect.lua.allow-rules is on; a state has the base, string, table and math libraries without
 * the functions that reach files, load code or catch errors (no io, os, package, debug,
 * coroutine, dofile, loadfile, load, loadstring, require, pcall, xpcall, print, newproxy);
 * precompiled chunks are refused; every allocation of a state is charged to its own limit
 * (detect.lua.max-bytes) and to the worker's share of detect.memcap; a call is cut after
 * detect.lua.max-instructions VM instructions. A call that fails never matches and is counted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "detect/detect_eng_int.h"

#ifdef HAVE_LUA
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#define LUA_SRC_MAX  (1u << 20) /* bytes of one script file */
#define LUA_HOOK_N   1000       /* instructions between two looks at the limit */
#define LUA_SCRATCH  (512u << 10)

/* needs */
#define LN_PACKET  0x01u
#define LN_PAYLOAD 0x02u
#define LN_STREAM  0x04u
#define LN_APP     0x08u
#define LN_BUFFER  0x10u /* the sticky buffer before the keyword: args["buffer"] */

/* The needs that name a protocol (and a buffer handed to match() as args[need]). */
static const struct lua_need {
	const char *need;
	const char *buffer; /* NULL: the need only selects the messages */
	int proto;          /* enum app_proto_id */
	int dir;            /* -1 both, else the direction of the data */
} lua_needs[] = {
    {"http.uri", "http.uri", APP_HTTP, FLOW_TO_SERVER},
    {"http.uri.raw", "http.uri.raw", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_line", "http.request_line", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_headers", "http.header", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_headers.raw", "http.header.raw", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_cookie", "http.cookie", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_user_agent", "http.user_agent", APP_HTTP, FLOW_TO_SERVER},
    {"http.request_body", "http.request_body", APP_HTTP, FLOW_TO_SERVER},
    {"http.response_headers", "@http.response_header", APP_HTTP, FLOW_TO_CLIENT},
    {"http.response_headers.raw", "@http.response_header.raw", APP_HTTP, FLOW_TO_CLIENT},
    {"http.response_body", "http.response_body", APP_HTTP, FLOW_TO_CLIENT},
    {"http.response_cookie", "@http.response_cookie", APP_HTTP, FLOW_TO_CLIENT},
    {"dns.rrname", "dns.query", APP_DNS, -1},
    {"dns.request", NULL, APP_DNS, FLOW_TO_SERVER},
    {"dns.response", NULL, APP_DNS, FLOW_TO_CLIENT},
    {"tls", NULL, APP_TLS, -1},
    {"ja3", NULL, APP_TLS, -1},
    {"ja3s", NULL, APP_TLS, -1},
    {"ssh", NULL, APP_SSH, -1},
};

struct det_lua_script {
	char *path; /* as read: the rule's directory (or scripts-dir) and the name */
	char *src;
	size_t len;
	unsigned needs;              /* LN_* */
	const struct lua_need *need; /* the protocol need, NULL when none */
	char **fv;                   /* needs["flowvar"]: SCFlowvarGet(i) names fv[i] */
	uint32_t nfv;
	char **fi; /* needs["flowint"] */
	int32_t *fi_id;
	uint32_t nfi;
};

struct det_lua_set {
	bool allow;
	char *dir;
	uint64_t max_bytes, max_instr;
	struct det_lua_script *s;
	uint32_t n;
};

/* One script's state in one thread. */
struct lstate {
	lua_State *L;
	struct det_lua_thread *lt;
	const struct det_lua_script *s;
	size_t used;   /* bytes its allocations hold */
	bool dead;     /* could not be made: never tried again */
	bool reported; /* its first error was logged */
};

struct det_lua_thread {
	const struct det_lua_set *set;
	struct sw_memcap *mem;   /* the worker's; NULL when loading */
	struct detect_stats *st; /* NULL when loading */
	uint64_t max_bytes, max_instr;
	struct lstate *states;   /* set->n of them */
	struct det_kw_ctx *c;    /* the data of the call under way; NULL outside a call */
	const struct det_lua_script *cur;
	uint64_t instr;
	bool over_instr;
	bool matched; /* the result of the call under way */
	size_t value; /* which value of a need's multi-value buffer (dns.rrname: each question) */
	int32_t buf_id; /* the keyword's sticky buffer (the buffer need), 0 none */
	char *scratch;
};

/* ---- the sandbox ---------------------------------------------------------------------------- */

/* Lua 5.1's allocator contract: ptr NULL means osize 0; nsize 0 frees. */
static void *
lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lstate *ls = ud;
	struct det_lua_thread *lt = ls->lt;
	void *np;

	if (nsize == 0) {
		free(ptr);
		ls->used -= osize;
		sw_memcap_give(lt->mem, osize);
		return NULL;
	}
	if (nsize > osize) {
		size_t more = nsize - osize;

		if (ls->used + more > lt->max_bytes || !sw_memcap_take(lt->mem, more)) {
			if (lt->st != NULL)
				sw_counter_add(&lt->st->lua_mem_refused, 1);
			return NULL;
		}
		if ((np = realloc(ptr, nsize)) == NULL) {
			sw_memcap_give(lt->mem, more);
			return NULL;
		}
		ls->used += more;
		return np;
	}
	if ((np = realloc(ptr, nsize)) == NULL)
		return ptr; /* a smaller block that could not move: keep the old one */
	ls->used -= osize - nsize;
	sw_memcap_give(lt->mem, osize - nsize);
	return np;
}

static void
lua_count_hook(lua_State *L, lua_Debug *ar)
{
	struct lstate *ls;

	(void)ar;
	lua_getallocf(L, (void **)&ls);
	ls->lt->instr += LUA_HOOK_N;
	if (ls->lt->instr > ls->lt->max_instr) {
		ls->lt->over_instr = true;
		luaL_where(L, 0); /* level 0 in a hook: the interrupted Lua function, its line */
		lua_pushstring(L, "instruction limit (detect.lua.max-instructions) reached");
		lua_concat(L, 2);
		lua_error(L);
	}
}

static void lua_register_api(struct lstate *ls);

/* Inside lua_cpcall (an allocation the caps refuse is a Lua error there, never a panic): the
 * libraries, the sandbox, our functions, the chunk run; match() checked. */
static int
lua_setup(lua_State *L)
{
	static const char *const unsafe[] = {"dofile", "loadfile", "load", "loadstring", "require",
	                                     "module", "pcall", "xpcall", "print", "newproxy",
	                                     "collectgarbage", "getfenv", "setfenv", "coroutine",
	                                     NULL};
	struct lstate *ls = lua_touserdata(L, 1);
	const struct det_lua_script *s = ls->s;
	char chunk[512];

	lua_settop(L, 0);
	lua_pushcfunction(L, luaopen_base);
	lua_call(L, 0, 0);
	lua_pushcfunction(L, luaopen_string);
	lua_call(L, 0, 0);
	lua_pushcfunction(L, luaopen_table);
	lua_call(L, 0, 0);
	lua_pushcfunction(L, luaopen_math);
	lua_call(L, 0, 0);
	for (int i = 0; unsafe[i] != NULL; i++) { /* coroutine: luaopen_base opens it too */
		lua_pushnil(L);
		lua_setglobal(L, unsafe[i]);
	}
	lua_getglobal(L, "string"); /* string.dump: bytecode we would refuse anyway */
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_register_api(ls);
	snprintf(chunk, sizeof(chunk), "@%s", s->path);
	if (luaL_loadbuffer(L, s->src, s->len, chunk) != 0)
		return lua_error(L);
	lua_call(L, 0, 0);
	lua_getglobal(L, "match");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "%s: no function match()", s->path);
	return 0;
}

/* A sandboxed state for ls with its script's chunk run: 0; else the message in why (Lua's,
 * with file:line). The caller closes ls on failure. */
static int
lua_state_make(struct lstate *ls, char *why, size_t whylen)
{
	lua_State *L;

	if ((L = lua_newstate(lua_alloc, ls)) == NULL) {
		snprintf(why, whylen, "%s: no memory for a Lua state", ls->s->path);
		return SW_E_NOMEM;
	}
	ls->L = L;
	lua_sethook(L, lua_count_hook, LUA_MASKCOUNT, LUA_HOOK_N);
	ls->lt->instr = 0;
	ls->lt->over_instr = false;
	if (lua_cpcall(L, lua_setup, ls) != 0) {
		snprintf(why, whylen, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error");
		lua_settop(L, 0);
		return SW_E_INVAL;
	}
	lua_settop(L, 0);
	return 0;
}

static void
lua_state_close(struct lstate *ls)
{
	if (ls->L != NULL)
		lua_close(ls->L);
	ls->L = NULL;
}

/* ---- the functions scripts call ------------------------------------------------------------- */

static struct lstate *
api_state(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* The data of the call under way; NULL when the script calls at load time or from init(). */
static struct det_kw_ctx *
api_ctx(lua_State *L)
{
	return api_state(L)->lt->c;
}

static void
push_buf(lua_State *L, const struct app_buf *b)
{
	lua_pushlstring(L, (const char *)b->p, b->len);
}

static void
push_addr(lua_State *L, int family, const struct sw_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, a->b, text, sizeof(text)) == NULL)
		text[0] = '\0';
	lua_pushstring(L, text);
}

static void
push_time(lua_State *L, sw_time_t t)
{
	lua_pushnumber(L, (lua_Number)(t / SW_USEC_PER_SEC));
	lua_pushnumber(L, (lua_Number)(t % SW_USEC_PER_SEC));
}

static int
api_packet_timestamp(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL)
		return 0;
	push_time(L, c->ts);
	return 2;
}

/* ipver, srcip, dstip, proto, sp, dp of the inspected data (a packet, else its direction) */
static int
api_packet_tuple(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);
	bool to_server;

	if (c == NULL || c->family == 0)
		return 0;
	lua_pushinteger(L, c->family);
	push_addr(L, c->family, c->src);
	push_addr(L, c->family, c->dst);
	if (c->p != NULL) {
		lua_pushinteger(L, c->p->proto);
		lua_pushinteger(L, c->p->sport);
		lua_pushinteger(L, c->p->dport);
		return 6;
	}
	if (c->f == NULL)
		return 3;
	to_server = c->dir == FLOW_TO_SERVER;
	lua_pushinteger(L, c->f->proto);
	lua_pushinteger(L, to_server ? c->f->cport : c->f->sport);
	lua_pushinteger(L, to_server ? c->f->sport : c->f->cport);
	return 6;
}

/* the packet's payload; the stream data in stream inspection */
static int
api_packet_payload(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->msg != NULL || c->payload == NULL)
		return 0;
	lua_pushlstring(L, (const char *)c->payload, c->payload_len);
	return 1;
}

static int
api_flow_tuple(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->f == NULL)
		return 0;
	lua_pushinteger(L, c->f->family);
	push_addr(L, c->f->family, &c->f->cli);
	push_addr(L, c->f->family, &c->f->srv);
	lua_pushinteger(L, c->f->proto);
	lua_pushinteger(L, c->f->cport);
	lua_pushinteger(L, c->f->sport);
	return 6;
}

/* startts_s, lastts_s, startts_us, lastts_us */
static int
api_flow_timestamps(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->f == NULL)
		return 0;
	lua_pushnumber(L, (lua_Number)(c->f->start / SW_USEC_PER_SEC));
	lua_pushnumber(L, (lua_Number)(c->f->last / SW_USEC_PER_SEC));
	lua_pushnumber(L, (lua_Number)(c->f->start % SW_USEC_PER_SEC));
	lua_pushnumber(L, (lua_Number)(c->f->last % SW_USEC_PER_SEC));
	return 4;
}

/* Suricata's CreateTimeString: local time as "%m/%d/%Y-%H:%M:%S.%06u" (11/14/2023-22:13:20.000123) */
static void
push_time_string(lua_State *L, sw_time_t t)
{
	time_t sec = (time_t)(t / SW_USEC_PER_SEC);
	struct tm tm;
	char b[64];

	if (localtime_r(&sec, &tm) == NULL) {
		lua_pushnil(L);
		return;
	}
	snprintf(b, sizeof(b), "%02d/%02d/%02d-%02d:%02d:%02d.%06u", tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)(t % SW_USEC_PER_SEC));
	lua_pushstring(L, b);
}

/* SCPacketTimeString: the time of the inspected packet (of the data's last packet in stream
 * and app-layer inspection, as SCPacketTimestamp) */
static int
api_packet_time_string(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL)
		return 0;
	push_time_string(L, c->ts);
	return 1;
}

/* SCFlowTimeString: the time of the flow's first packet */
static int
api_flow_time_string(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->f == NULL)
		return 0;
	push_time_string(L, c->f->start);
	return 1;
}

/* alproto, alproto_ts, alproto_tc, alproto_orig, alproto_expect (Suricata 7's
 * LuaCallbackAppLayerProtoFlow): one name for the three first (our parser reads both sides);
 * after a change of protocol (STARTTLS, CONNECT) alproto is the protocol now parsed ("tls"),
 * orig the one before ("smtp", "http") and expect the one STARTTLS asked for ("tls";
 * "unknown" after CONNECT, as Suricata, which expects TLS or HTTP there); "unknown" when
 * there was no change */
static int
api_flow_alproto(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);
	const char *n, *orig = NULL, *expect = NULL;

	if (c == NULL || c->f == NULL)
		return 0;
	n = app_flow_change(c->f, &orig, &expect);
	if (n == NULL || orig == NULL) /* no change: the name rules see (nDPI's too) */
		n = c->app_proto != NULL ? c->app_proto : "unknown";
	lua_pushstring(L, n);
	lua_pushstring(L, n);
	lua_pushstring(L, n);
	lua_pushstring(L, orig != NULL ? orig : "unknown");
	lua_pushstring(L, expect != NULL ? expect : "unknown");
	return 5;
}

static int
api_flow_has_alerts(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->f == NULL)
		return 0;
	lua_pushboolean(L, c->f->alerted);
	return 1;
}

/* tosrcpackets, tosrcbytes, todstpackets, todstbytes */
static int
api_flow_stats(lua_State *L)
{
	struct det_kw_ctx *c = api_ctx(L);

	if (c == NULL || c->f == NULL)
		return 0;
	/* Suricata 7: to the server (todst) first, then to the client */
	lua_pushnumber(L, (lua_Number)c->f->pkts[FLOW_TO_SERVER]);
	lua_pushnumber(L, (lua_Number)c->f->bytes[FLOW_TO_SERVER]);
	lua_pushnumber(L, (lua_Number)c->f->pkts[FLOW_TO_CLIENT]);
	lua_pushnumber(L, (lua_Number)c->f->bytes[FLOW_TO_CLIENT]);
	return 4;
}

/* The variable argument 1 names: an index into the script's needs list (Suricata 7), or a
 * name of that list. NULL when it names none. */
static const char *
var_name(lua_State *L, char *const *names, uint32_t n, uint32_t *idx)
{
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_Number i = lua_tonumber(L, 1);

		if (i < 0 || i >= (lua_Number)n)
			return NULL;
		*idx = (uint32_t)i;
		return names[*idx];
	}
	if (lua_type(L, 1) == LUA_TSTRING) {
		const char *s = lua_tostring(L, 1);

		for (uint32_t i = 0; i < n; i++)
			if (strcmp(names[i], s) == 0) {
				*idx = i;
				return names[i];
			}
	}
	return NULL;
}

static int
api_flowvar_get(lua_State *L)
{
	struct lstate *ls = api_state(L);
	struct det_kw_ctx *c = ls->lt->c;
	const char *name;
	const uint8_t *d;
	size_t len;
	uint32_t i;

	if (c == NULL || c->f == NULL ||
	    (name = var_name(L, ls->s->fv, ls->s->nfv, &i)) == NULL ||
	    !det_kw_flowvar_get(c, name, &d, &len))
		return 0;
	lua_pushlstring(L, (const char *)d, len);
	return 1;
}

/* SCFlowvarSet(i, value, len): the value's first len bytes (all of it without len) */
static int
api_flowvar_set(lua_State *L)
{
	struct lstate *ls = api_state(L);
	struct det_kw_ctx *c = ls->lt->c;
	const char *name, *v;
	size_t len;
	uint32_t i;

	if ((name = var_name(L, ls->s->fv, ls->s->nfv, &i)) == NULL)
		return luaL_error(L, "SCFlowvarSet: no such flowvar in the script's needs");
	v = luaL_checklstring(L, 2, &len);
	if (lua_gettop(L) >= 3) {
		lua_Number n = luaL_checknumber(L, 3);

		if (n >= 0 && n < (lua_Number)len)
			len = (size_t)n;
	}
	if (c != NULL && c->f != NULL) /* refusals: detect.memcap's */
		(void)det_kw_flowvar_set(c, name, (const uint8_t *)v, len);
	return 0;
}

static bool
flowint_of(lua_State *L, struct lstate *ls, int32_t *id)
{
	uint32_t i;

	if (var_name(L, ls->s->fi, ls->s->nfi, &i) == NULL)
		return false;
	*id = ls->s->fi_id[i];
	return true;
}

static int
api_flowint_get(lua_State *L)
{
	struct lstate *ls = api_state(L);
	struct det_kw_ctx *c = ls->lt->c;
	uint32_t v;
	int32_t id;

	if (c == NULL || c->f == NULL || !flowint_of(L, ls, &id) ||
	    !det_kw_flowint_read(c, id, &v))
		return 0;
	lua_pushnumber(L, v);
	return 1;
}

/* set (op 0), increment (1) or decrement (2); returns the new value as Suricata 7 */
static int
flowint_change(lua_State *L, int op)
{
	struct lstate *ls = api_state(L);
	struct det_kw_ctx *c = ls->lt->c;
	uint32_t v = 0;
	int32_t id;

	if (!flowint_of(L, ls, &id))
		return luaL_error(L, "SCFlowint: no such flowint in the script's needs");
	if (op == 0) {
		lua_Number n = luaL_checknumber(L, 2);

		v = n <= 0 ? 0 : n >= 4294967295.0 ? UINT32_MAX : (uint32_t)n;
	}
	if (c == NULL || c->f == NULL)
		return 0;
	if (op != 0) {
		bool set = det_kw_flowint_read(c, id, &v);

		v = !set ? (op == 1 ? 1 : 0) : op == 1 ? (v == UINT32_MAX ? v : v + 1) : (v == 0 ? 0 : v - 1);
	}
	if (!det_kw_flowint_write(c, id, v))
		return 0;
	lua_pushnumber(L, v);
	return 1;
}

static int
api_flowint_set(lua_State *L)
{
	return flowint_change(L, 0);
}

static int
api_flowint_incr(lua_State *L)
{
	return flowint_change(L, 1);
}

static int
api_flowint_decr(lua_State *L)
{
	return flowint_change(L, 2);
}

/* The message of the call as a message of kind, NULL when it is not one. */
static bool
api_msg(lua_State *L, int kind, struct app_msg *out)
{
	struct det_kw_ctx *c = api_ctx(L);

	return c != NULL && c->msg != NULL && app_msg_as(c->msg, kind, out);
}

/* Pushes buffer name of the call's message; 0 values when it has none. */
static int
push_named(lua_State *L, int kind, const char *name)
{
	struct lstate *ls = api_state(L);
	struct app_msg m;
	struct app_buf b;

	if (!api_msg(L, kind, &m) ||
	    app_msg_buffer(&m, name, &b, ls->lt->scratch, ls->lt->scratch != NULL ? LUA_SCRATCH : 0) !=
	        0)
		return 0;
	push_buf(L, &b);
	return 1;
}

#define API_BUFFER(fn, kind, name)                                                                 \
	static int fn(lua_State *L)                                                                \
	{                                                                                          \
		return push_named(L, kind, name);                                                  \
	}

API_BUFFER(api_http_host, APP_MSG_HTTP, "http.host")
API_BUFFER(api_http_uri_raw, APP_MSG_HTTP, "http.uri.raw")
API_BUFFER(api_http_uri, APP_MSG_HTTP, "http.uri")
API_BUFFER(api_http_request_line, APP_MSG_HTTP, "http.request_line")
API_BUFFER(api_http_response_line, APP_MSG_HTTP, "http.response_line")
API_BUFFER(api_http_raw_req, APP_MSG_HTTP, "http.header.raw")
API_BUFFER(api_http_raw_resp, APP_MSG_HTTP, "@http.response_header.raw")
API_BUFFER(api_ja3_hash, APP_MSG_TLS, "ja3.hash")
API_BUFFER(api_ja3_string, APP_MSG_TLS, "ja3.string")
API_BUFFER(api_ja3s_hash, APP_MSG_TLS, "ja3s.hash")
API_BUFFER(api_ja3s_string, APP_MSG_TLS, "ja3s.string")
API_BUFFER(api_tls_sni, APP_MSG_TLS, "tls.sni")
API_BUFFER(api_tls_serial, APP_MSG_TLS, "tls.cert_serial")
API_BUFFER(api_hassh, APP_MSG_SSH, "ssh.hassh")
API_BUFFER(api_hassh_string, APP_MSG_SSH, "ssh.hassh.string")
API_BUFFER(api_hassh_server, APP_MSG_SSH, "ssh.hassh.server")
API_BUFFER(api_hassh_server_string, APP_MSG_SSH, "ssh.hassh.server.string")

/* Each header of one side as "Name: value" (http.request_header / http.response_header): with
 * want, the value of the first named want; else a table name -> value. */
static int
http_headers(lua_State *L, bool response, const char *want)
{
	struct lstate *ls = api_state(L);
	struct app_msg m;
	struct app_buf b;
	int id = app_buffer_find(response ? "http.response_header" : "http.request_header");

	if (!api_msg(L, APP_MSG_HTTP, &m) || id < 0 || ls->lt->scratch == NULL)
		return 0;
	if (want == NULL)
		lua_newtable(L);
	for (size_t i = 0; app_msg_buffer_id_i(&m, id, i, &b, ls->lt->scratch, LUA_SCRATCH) == 0;
	     i++) {
		const char *p = (const char *)b.p, *colon = memchr(p, ':', b.len);
		size_t nl, vo;

		if (colon == NULL)
			continue;
		nl = (size_t)(colon - p);
		for (vo = nl + 1; vo < b.len && (p[vo] == ' ' || p[vo] == '\t'); vo++)
			;
		if (want != NULL) {
			if (strlen(want) == nl && strncasecmp(want, p, nl) == 0) {
				lua_pushlstring(L, p + vo, b.len - vo);
				return 1;
			}
			continue;
		}
		lua_pushlstring(L, p, nl);
		lua_pushlstring(L, p + vo, b.len - vo);
		lua_settable(L, -3);
	}
	return want == NULL ? 1 : 0;
}

static int
api_http_req_header(lua_State *L)
{
	return http_headers(L, false, luaL_checkstring(L, 1));
}

static int
api_http_resp_header(lua_State *L)
{
	return http_headers(L, true, luaL_checkstring(L, 1));
}

static int
api_http_req_headers(lua_State *L)
{
	return http_headers(L, false, NULL);
}

static int
api_http_resp_headers(lua_State *L)
{
	return http_headers(L, true, NULL);
}

/* Suricata's body form: a table of chunks, the offset of the first, the end of the last (one
 * chunk here: the body as kept for detection) */
static int
http_body(lua_State *L, const char *name)
{
	if (push_named(L, APP_MSG_HTTP, name) == 0)
		return 0;
	lua_newtable(L);
	lua_pushvalue(L, -2);
	lua_rawseti(L, -2, 1);
	lua_pushnumber(L, 0);
	lua_pushnumber(L, (lua_Number)lua_objlen(L, -3));
	return 3;
}

static int
api_http_req_body(lua_State *L)
{
	return http_body(L, "http.request_body");
}

static int
api_http_resp_body(lua_State *L)
{
	return http_body(L, "http.response_body");
}

static void
set_str(lua_State *L, const char *key, const char *v, size_t len)
{
	lua_pushlstring(L, v, len);
	lua_setfield(L, -2, key);
}

static void
set_num(lua_State *L, const char *key, lua_Number v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

/* DnsGetQueries: {{type=, rrname=}, ...}: each question kept (the first APP_DNS_MAX_Q) */
static int
api_dns_queries(lua_State *L)
{
	struct app_msg m;
	char tb[16];
	const char *t;

	if (!api_msg(L, APP_MSG_DNS, &m) || m.u.dns->nquestions == 0)
		return 0;
	lua_newtable(L);
	for (uint16_t i = 0; i < app_dns_nq(m.u.dns); i++) {
		struct app_dns_q q = app_dns_question(m.u.dns, i);

		lua_newtable(L);
		t = app_dns_type_name(q.type, tb, sizeof(tb));
		set_str(L, "type", t, strlen(t));
		set_str(L, "rrname", (const char *)q.name.p, q.name.len);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
dns_rrs(lua_State *L, bool answers)
{
	struct app_msg m;
	const struct app_dns_rr *rr;
	uint16_t n;

	if (!api_msg(L, APP_MSG_DNS, &m))
		return 0;
	rr = answers ? m.u.dns->answers : m.u.dns->authorities;
	n = answers ? m.u.dns->nanswers : m.u.dns->nauthorities;
	lua_newtable(L);
	for (uint16_t i = 0; i < n && rr != NULL; i++) {
		char tb[16];
		const char *t = app_dns_type_name(rr[i].type, tb, sizeof(tb));

		lua_newtable(L);
		set_str(L, "type", t, strlen(t));
		set_num(L, "ttl", rr[i].ttl);
		set_str(L, "rrname", (const char *)rr[i].name.p, rr[i].name.len);
		if (rr[i].addr_family != 0)
			set_str(L, "addr", (const char *)rr[i].data.p, rr[i].data.len);
		else if (rr[i].data.len > 0)
			set_str(L, "data", (const char *)rr[i].data.p, rr[i].data.len);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
api_dns_answers(lua_State *L)
{
	return dns_rrs(L, true);
}

static int
api_dns_authorities(lua_State *L)
{
	return dns_rrs(L, false);
}

/* the rcode's name of a response ("NXDOMAIN"); nil for a query */
static int
api_dns_rcode(lua_State *L)
{
	struct app_msg m;
	char b[16];

	if (!api_msg(L, APP_MSG_DNS, &m) || !m.u.dns->response)
		return 0;
	lua_pushstring(L, app_dns_rcode_name(m.u.dns->rcode, b, sizeof(b)));
	return 1;
}

static int
api_dns_rd(lua_State *L)
{
	struct app_msg m;

	if (!api_msg(L, APP_MSG_DNS, &m))
		return 0;
	lua_pushboolean(L, m.u.dns->rd);
	return 1;
}

static int
api_dns_txid(lua_State *L)
{
	struct app_msg m;

	if (!api_msg(L, APP_MSG_DNS, &m))
		return 0;
	lua_pushinteger(L, m.u.dns->id);
	return 1;
}

static int
api_tls_version(lua_State *L)
{
	struct app_msg m;
	char b[16];

	if (!api_msg(L, APP_MSG_TLS, &m) || m.u.tls->version == 0)
		return 0;
	lua_pushstring(L, app_tls_version_name(m.u.tls->version, b, sizeof(b)));
	return 1;
}

/* version, subject, issuer, fingerprint. Suricata 7's version here (util-lua-tls.c
 * GetCertInfo) is not the certificate's but the TLS version the server chose, named as that
 * function names it: "SSLv3", "TLSv1", "TLS 1.1", "TLS 1.2", else "0x%04x" ("0x0304") */
static int
api_tls_cert_info(lua_State *L)
{
	struct app_msg m;
	char b[16];
	const char *v;

	if (!api_msg(L, APP_MSG_TLS, &m) || !m.u.tls->certificate)
		return 0;
	switch (m.u.tls->version) {
	case 0x0000:
		v = "UNDETERMINED";
		break;
	case 0x0002:
		v = "SSLv2";
		break;
	case 0x0300:
		v = "SSLv3";
		break;
	case 0x0301:
		v = "TLSv1";
		break;
	case 0x0302:
		v = "TLS 1.1";
		break;
	case 0x0303:
		v = "TLS 1.2";
		break;
	default:
		snprintf(b, sizeof(b), "0x%04x", m.u.tls->version);
		v = b;
		break;
	}
	lua_pushstring(L, v);
	push_buf(L, &m.u.tls->cert_subject);
	push_buf(L, &m.u.tls->cert_issuer);
	lua_pushstring(L, m.u.tls->cert_fingerprint);
	return 4;
}

static int
tls_cert_time(lua_State *L, bool after)
{
	struct app_msg m;

	if (!api_msg(L, APP_MSG_TLS, &m) || !m.u.tls->certificate)
		return 0;
	lua_pushnumber(L, (lua_Number)((after ? m.u.tls->cert_not_after : m.u.tls->cert_not_before) /
	                               SW_USEC_PER_SEC));
	return 1;
}

static int
api_tls_not_before(lua_State *L)
{
	return tls_cert_time(L, false);
}

static int
api_tls_not_after(lua_State *L)
{
	return tls_cert_time(L, true);
}

/* {{length=, data=}} of each certificate kept, in DER */
static int
api_tls_chain(lua_State *L)
{
	struct app_msg m;

	if (!api_msg(L, APP_MSG_TLS, &m))
		return 0;
	lua_newtable(L);
	for (uint8_t i = 0; i < m.u.tls->nchain; i++) {
		lua_newtable(L);
		set_num(L, "length", (lua_Number)m.u.tls->chain[i].len);
		set_str(L, "data", (const char *)m.u.tls->chain[i].p, m.u.tls->chain[i].len);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int
ssh_field(lua_State *L, bool server, bool software)
{
	struct app_msg m;
	const struct app_ssh_banner *b;

	if (!api_msg(L, APP_MSG_SSH, &m))
		return 0;
	b = server ? &m.u.ssh->server : &m.u.ssh->client;
	if ((software ? b->software.len : b->proto.len) == 0)
		return 0;
	push_buf(L, software ? &b->software : &b->proto);
	return 1;
}

static int
api_ssh_server_proto(lua_State *L)
{
	return ssh_field(L, true, false);
}

static int
api_ssh_server_soft(lua_State *L)
{
	return ssh_field(L, true, true);
}

static int
api_ssh_client_proto(lua_State *L)
{
	return ssh_field(L, false, false);
}

static int
api_ssh_client_soft(lua_State *L)
{
	return ssh_field(L, false, true);
}

/* SCLog*: accepted and dropped (a feed's script does not write to our log) */
static int
api_log_nothing(lua_State *L)
{
	(void)L;
	return 0;
}

static const luaL_Reg lua_api[] = {
    {"SCPacketTimestamp", api_packet_timestamp},
    {"SCPacketTuple", api_packet_tuple},
    {"SCPacketPayload", api_packet_payload},
    {"SCFlowTuple", api_flow_tuple},
    {"SCFlowTimestamps", api_flow_timestamps},
    {"SCFlowAppLayerProto", api_flow_alproto},
    {"SCPacketTimeString", api_packet_time_string},
    {"SCFlowTimeString", api_flow_time_string},
    {"SCFlowHasAlerts", api_flow_has_alerts},
    {"SCFlowStats", api_flow_stats},
    {"SCFlowvarGet", api_flowvar_get},
    {"SCFlowvarSet", api_flowvar_set},
    {"SCFlowintGet", api_flowint_get},
    {"SCFlowintSet", api_flowint_set},
    {"SCFlowintIncr", api_flowint_incr},
    {"SCFlowintDecr", api_flowint_decr},
    {"HttpGetRequestHost", api_http_host},
    {"HttpGetRequestUriRaw", api_http_uri_raw},
    {"HttpGetRequestUriNormalized", api_http_uri},
    {"HttpGetRequestLine", api_http_request_line},
    {"HttpGetResponseLine", api_http_response_line},
    {"HttpGetRawRequestHeaders", api_http_raw_req},
    {"HttpGetRawResponseHeaders", api_http_raw_resp},
    {"HttpGetRequestHeader", api_http_req_header},
    {"HttpGetResponseHeader", api_http_resp_header},
    {"HttpGetRequestHeaders", api_http_req_headers},
    {"HttpGetResponseHeaders", api_http_resp_headers},
    {"HttpGetRequestBody", api_http_req_body},
    {"HttpGetResponseBody", api_http_resp_body},
    {"DnsGetQueries", api_dns_queries},
    {"DnsGetAnswers", api_dns_answers},
    {"DnsGetAuthorities", api_dns_authorities},
    {"DnsGetRcode", api_dns_rcode},
    {"DnsGetRecursionDesired", api_dns_rd},
    {"DnsGetTxid", api_dns_txid},
    {"TlsGetVersion", api_tls_version},
    {"TlsGetSNI", api_tls_sni},
    {"TlsGetCertInfo", api_tls_cert_info},
    {"TlsGetCertSerial", api_tls_serial},
    {"TlsGetCertNotBefore", api_tls_not_before},
    {"TlsGetCertNotAfter", api_tls_not_after},
    {"TlsGetCertChain", api_tls_chain},
    {"Ja3GetHash", api_ja3_hash},
    {"Ja3GetString", api_ja3_string},
    {"Ja3SGetHash", api_ja3s_hash},
    {"Ja3SGetString", api_ja3s_string},
    {"SshGetServerProtoVersion", api_ssh_server_proto},
    {"SshGetServerSoftwareVersion", api_ssh_server_soft},
    {"SshGetClientProtoVersion", api_ssh_client_proto},
    {"SshGetClientSoftwareVersion", api_ssh_client_soft},
    {"HasshGet", api_hassh},
    {"HasshGetString", api_hassh_string},
    {"HasshServerGet", api_hassh_server},
    {"HasshServerGetString", api_hassh_server_string},
    {"SCLogDebug", api_log_nothing},
    {"SCLogInfo", api_log_nothing},
    {"SCLogNotice", api_log_nothing},
    {"SCLogWarning", api_log_nothing},
    {"SCLogError", api_log_nothing},
    {NULL, NULL},
};

static void
lua_register_api(struct lstate *ls)
{
	for (const luaL_Reg *f = lua_api; f->name != NULL; f++) {
		lua_pushlightuserdata(ls->L, ls);
		lua_pushcclosure(ls->L, f->func, 1);
		lua_setglobal(ls->L, f->name);
	}
}

/* ---- loading -------------------------------------------------------------------------------- */

int
det_lua_engine_init(struct detect_engine *e, const struct detect_conf *conf)
{
	struct det_lua_set *set;

	if ((set = calloc(1, sizeof(*set))) == NULL)
		return SW_E_NOMEM;
	e->lua = set;
	set->allow = conf->lua_allow;
	set->max_bytes = conf->lua_max_bytes != 0 ? conf->lua_max_bytes : 500000;
	set->max_instr = conf->lua_max_instr != 0 ? conf->lua_max_instr : 500000;
	if (conf->lua_dir != NULL && conf->lua_dir[0] != '\0' &&
	    (set->dir = strdup(conf->lua_dir)) == NULL)
		return SW_E_NOMEM;
	return 0;
}

static void
script_free(struct det_lua_script *s)
{
	free(s->path);
	free(s->src);
	for (uint32_t i = 0; i < s->nfv; i++)
		free(s->fv[i]);
	free(s->fv);
	for (uint32_t i = 0; i < s->nfi; i++)
		free(s->fi[i]);
	free(s->fi);
	free(s->fi_id);
}

void
det_lua_engine_free(struct detect_engine *e)
{
	struct det_lua_set *set = e->lua;

	if (set == NULL)
		return;
	for (uint32_t i = 0; i < set->n; i++)
		script_free(&set->s[i]);
	free(set->s);
	free(set->dir);
	free(set);
	e->lua = NULL;
}

static int
read_script(const char *path, struct det_lua_script *s, char *why, size_t whylen)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL) {
		snprintf(why, whylen, "%.200s: %s", path, strerror(errno));
		return SW_E_INVAL;
	}
	if ((s->src = malloc(LUA_SRC_MAX + 1)) == NULL) {
		fclose(fp);
		return SW_E_NOMEM;
	}
	n = fread(s->src, 1, LUA_SRC_MAX + 1, fp);
	fclose(fp);
	if (n > LUA_SRC_MAX) {
		snprintf(why, whylen, "%.200s: longer than %u bytes", path, LUA_SRC_MAX);
		return SW_E_INVAL;
	}
	if (n > 0 && s->src[0] == LUA_SIGNATURE[0]) {
		/* Lua 5.1 does not check bytecode: a crafted chunk runs anything */
		snprintf(why, whylen, "%.200s: precompiled Lua chunks are refused", path);
		return SW_E_INVAL;
	}
	s->len = n;
	return 0;
}

/* The names of needs[key] (a list of strings) into *out. */
static int
need_names(lua_State *L, const struct det_lua_script *s, const char *key, char ***out,
           uint32_t *n, char *why, size_t whylen)
{
	size_t len;

	if (!lua_istable(L, -1)) {
		snprintf(why, whylen, "%s: needs[\"%s\"] is not a list of names", s->path, key);
		return SW_E_INVAL;
	}
	len = lua_objlen(L, -1);
	if (len > 64) {
		snprintf(why, whylen, "%s: needs[\"%s\"] names more than 64 variables", s->path, key);
		return SW_E_INVAL;
	}
	if (len > 0 && (*out = calloc(len, sizeof(**out))) == NULL)
		return SW_E_NOMEM;
	for (size_t i = 1; i <= len; i++) {
		const char *v;

		lua_rawgeti(L, -1, (int)i);
		v = lua_tostring(L, -1);
		if (v == NULL || !det_name_ok(v)) {
			snprintf(why, whylen, "%s: needs[\"%s\"][%zu] is not a variable name", s->path,
			         key, i);
			lua_pop(L, 1);
			return SW_E_INVAL;
		}
		if (((*out)[*n] = strdup(v)) == NULL) {
			lua_pop(L, 1);
			return SW_E_NOMEM;
		}
		(*n)++;
		lua_pop(L, 1);
	}
	return 0;
}

/* Reads the table init() returned (at the top of L) into s: 0; SW_E_UNSUPP (why says which
 * need); SW_E_INVAL. */
static int
read_needs(lua_State *L, struct det_lua_script *s, char *why, size_t whylen)
{
	int r = 0;

	if (!lua_istable(L, -1)) {
		snprintf(why, whylen, "%s: init() did not return a table of needs", s->path);
		return SW_E_INVAL;
	}
	lua_pushnil(L);
	while (r == 0 && lua_next(L, -2) != 0) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		const struct lua_need *need = NULL;
		bool off = lua_isnil(L, -1) || (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) ||
		           (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "false") == 0);

		if (k == NULL) {
			snprintf(why, whylen, "%s: init() returned a need that is not a name", s->path);
			r = SW_E_INVAL;
		} else if (strcmp(k, "flowvar") == 0) {
			r = need_names(L, s, k, &s->fv, &s->nfv, why, whylen);
		} else if (strcmp(k, "flowint") == 0) {
			r = need_names(L, s, k, &s->fi, &s->nfi, why, whylen);
		} else if (off) {
			;
		} else if (strcmp(k, "packet") == 0) {
			s->needs |= LN_PACKET;
		} else if (strcmp(k, "payload") == 0) {
			s->needs |= LN_PAYLOAD;
		} else if (strcmp(k, "stream") == 0) {
			s->needs |= LN_STREAM;
		} else if (strcmp(k, "buffer") == 0) {
			s->needs |= LN_BUFFER;
		} else {
			for (size_t i = 0; i < sizeof(lua_needs) / sizeof(lua_needs[0]); i++)
				if (strcmp(lua_needs[i].need, k) == 0)
					need = &lua_needs[i];
			if (need == NULL) {
				snprintf(why, whylen, "%s: init() needs '%s', which spanwatch does not give "
				         "scripts", s->path, k);
				r = SW_E_UNSUPP;
			} else if (s->need != NULL && (s->need->proto != need->proto ||
			                               (s->need->buffer != NULL && need->buffer != NULL))) {
				snprintf(why, whylen, "%s: init() needs both '%s' and '%s' (one buffer or "
				         "protocol per script)", s->path, s->need->need, k);
				r = SW_E_UNSUPP;
			} else if (s->need == NULL || need->buffer != NULL) {
				s->need = need;
			}
			s->needs |= LN_APP;
		}
		lua_pop(L, 1);
	}
	if (r != 0)
		lua_settop(L, 0);
	return r;
}

struct init_call {
	struct lstate *ls;
	char *why;
	size_t whylen;
	int rc;
};

/* Inside lua_cpcall: init({}) and the needs it returns. */
static int
lua_call_init(lua_State *L)
{
	struct init_call *ic = lua_touserdata(L, 1);

	lua_settop(L, 0);
	lua_getglobal(L, "init");
	if (!lua_isfunction(L, -1))
		return luaL_error(L, "%s: no function init()", ic->ls->s->path);
	lua_newtable(L);
	lua_call(L, 1, 1);
	/* the script's struct is ls->s: const for the threads, written here while loading */
	ic->rc = read_needs(L, (struct det_lua_script *)ic->ls->s, ic->why, ic->whylen);
	return 0;
}

/* Loads s (path and src read) in a state of its own: runs the chunk and init(). */
static int
script_load(const struct det_lua_set *set, struct det_lua_script *s, char *why, size_t whylen)
{
	struct det_lua_thread lt;
	struct lstate ls;
	struct init_call ic;
	int r;

	memset(&lt, 0, sizeof(lt));
	memset(&ls, 0, sizeof(ls));
	lt.set = set;
	lt.max_bytes = set->max_bytes;
	lt.max_instr = set->max_instr;
	ls.lt = &lt;
	ls.s = s;
	if ((r = lua_state_make(&ls, why, whylen)) != 0)
		goto out;
	lt.instr = 0;
	ic.ls = &ls;
	ic.why = why;
	ic.whylen = whylen;
	ic.rc = 0;
	if (lua_cpcall(ls.L, lua_call_init, &ic) != 0) {
		snprintf(why, whylen, "%s",
		         lua_type(ls.L, -1) == LUA_TSTRING ? lua_tostring(ls.L, -1) : "error");
		r = SW_E_INVAL;
		goto out;
	}
	r = ic.rc;
out:
	lua_state_close(&ls);
	return r;
}

int
det_lua_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err)
{
	struct det_lua_set *set = e->lua;

	for (uint32_t i = 0; i < r->nkws; i++) {
		struct det_kw *k = &r->kws[i];
		struct det_lua_script *s = NULL, ns;
		char path[4096];
		const char *slash;
		int rc;

		if (k->kind != DET_KW_LUA)
			continue;
		if (set == NULL || !set->allow) {
			snprintf(err->keyword, sizeof(err->keyword), "lua");
			snprintf(err->reason, sizeof(err->reason),
			         "lua rules are off (detect.lua.allow-rules: no)");
			return SW_E_UNSUPP;
		}
		if (set->dir != NULL) {
			rc = snprintf(path, sizeof(path), "%s/%s", set->dir, k->name);
		} else if ((slash = strrchr(r->file, '/')) != NULL) {
			rc = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - r->file), r->file,
			              k->name);
		} else {
			rc = snprintf(path, sizeof(path), "%s", k->name);
		}
		if (rc < 0 || (size_t)rc >= sizeof(path))
			return det_kw_fail(err, "lua: script path too long");
		for (uint32_t j = 0; j < set->n && s == NULL; j++)
			if (strcmp(set->s[j].path, path) == 0)
				s = &set->s[j];
		if (s == NULL) {
			struct det_lua_script *grown;

			memset(&ns, 0, sizeof(ns));
			if ((ns.path = strdup(path)) == NULL)
				return SW_E_NOMEM;
			if ((rc = read_script(path, &ns, err->reason, sizeof(err->reason))) != 0 ||
			    (rc = script_load(set, &ns, err->reason, sizeof(err->reason))) != 0) {
				script_free(&ns);
				if (rc == SW_E_UNSUPP)
					snprintf(err->keyword, sizeof(err->keyword), "lua");
				return rc;
			}
			if ((grown = realloc(set->s, (set->n + 1) * sizeof(*grown))) == NULL) {
				script_free(&ns);
				return SW_E_NOMEM;
			}
			set->s = grown;
			set->s[set->n] = ns;
			s = &set->s[set->n++];
		}
		k->id = (int32_t)(s - set->s);
		/* where the rule is inspected, as the script's needs say */
		if (s->needs & (LN_PACKET | LN_PAYLOAD))
			r->kw_packet = true;
		if (s->needs & LN_STREAM)
			r->kw_stream = true;
		if (s->needs & LN_BUFFER) {
			/* the sticky buffer the keyword follows: an app buffer, whose messages the
			 * rule then reads (its direction's) */
			const struct det_buffer_info *bi = k->id2 > 0 ? det_buffer(k->id2) : NULL;

			if (bi == NULL || bi->hdr != DET_HDR_NONE || bi->msg_kind < 0) {
				snprintf(err->keyword, sizeof(err->keyword), "lua");
				snprintf(err->reason, sizeof(err->reason),
				         "%.150s: init() needs 'buffer': only after an app-layer sticky "
				         "buffer (http.uri; lua:...)", s->path);
				return SW_E_UNSUPP;
			}
			if ((r->app_proto != APP_NONE && r->app_proto != bi->app_proto) ||
			    (s->need != NULL && s->need->proto != bi->app_proto))
				return det_kw_fail(err, "lua: %s needs 'buffer' %s, of another protocol",
				                   s->path, bi->name);
			r->app_proto = bi->app_proto;
			if (bi->dir == FLOW_TO_SERVER && !(r->flow & DET_FLOW_TO_CLIENT))
				r->flow |= DET_FLOW_TO_SERVER;
			if (bi->dir == FLOW_TO_CLIENT && !(r->flow & DET_FLOW_TO_SERVER))
				r->flow |= DET_FLOW_TO_CLIENT;
			r->kw_msg = true;
		}
		if (s->need != NULL) {
			uint32_t want = s->need->dir == FLOW_TO_SERVER   ? DET_FLOW_TO_SERVER
			                : s->need->dir == FLOW_TO_CLIENT ? DET_FLOW_TO_CLIENT
			                                                 : 0;

			if (r->app_proto != APP_NONE && r->app_proto != s->need->proto)
				return det_kw_fail(err, "lua: %s needs '%s', not a %s rule's messages",
				                   s->path, s->need->need, app_proto_name(r->app_proto));
			if (want != 0 && (r->flow & (DET_FLOW_TO_SERVER | DET_FLOW_TO_CLIENT)) != 0 &&
			    (r->flow & want) == 0)
				return det_kw_fail(err, "lua: %s needs '%s', of the other direction than "
				                   "the rule's flow", s->path, s->need->need);
			r->app_proto = s->need->proto;
			r->flow |= want;
			r->kw_msg = true;
		}
	}
	return 0;
}

int
det_lua_flowints(struct detect_engine *e)
{
	struct det_lua_set *set = e->lua;

	for (uint32_t i = 0; set != NULL && i < set->n; i++) {
		struct det_lua_script *s = &set->s[i];

		if (s->nfi > 0 && (s->fi_id = calloc(s->nfi, sizeof(*s->fi_id))) == NULL)
			return SW_E_NOMEM;
		for (uint32_t j = 0; j < s->nfi; j++)
			if (det_kw_flowint_add(e, s->fi[j], &s->fi_id[j]) != 0)
				return SW_E_NOMEM;
	}
	return 0;
}

/* ---- matching ------------------------------------------------------------------------------- */

void
det_lua_thread_free(struct det_lua_thread *lt)
{
	if (lt == NULL)
		return;
	for (uint32_t i = 0; lt->set != NULL && i < lt->set->n; i++)
		lua_state_close(&lt->states[i]);
	free(lt->states);
	free(lt->scratch);
	free(lt);
}

static struct det_lua_thread *
thread_get(struct det_kw_ctx *c)
{
	const struct det_lua_set *set = c->e->lua;
	struct det_lua_thread *lt = *c->lua;

	if (lt != NULL)
		return lt;
	if ((lt = calloc(1, sizeof(*lt))) == NULL ||
	    (lt->states = calloc(set->n, sizeof(*lt->states))) == NULL ||
	    (lt->scratch = malloc(LUA_SCRATCH)) == NULL) {
		if (lt != NULL)
			free(lt->states);
		free(lt);
		return NULL;
	}
	lt->set = set;
	lt->mem = c->mem;
	lt->st = c->st;
	lt->max_bytes = set->max_bytes;
	lt->max_instr = set->max_instr;
	for (uint32_t i = 0; i < set->n; i++) {
		lt->states[i].lt = lt;
		lt->states[i].s = &set->s[i];
	}
	*c->lua = lt;
	return lt;
}

static void
count_error(struct det_lua_thread *lt, struct lstate *ls, const char *what)
{
	if (lt->st != NULL)
		sw_counter_add(lt->over_instr ? &lt->st->lua_instr_limit : &lt->st->lua_errors, 1);
	if (!ls->reported) { /* once per script and thread: traffic must not flood the log */
		ls->reported = true;
		sw_warn("lua: %s (%s: further errors of this script in this thread are only "
		        "counted)", what, ls->s->path);
	}
}

/* Inside lua_pcall: match(args) with the data the script's needs ask for; its result. */
static int
lua_call_match(lua_State *L)
{
	struct lstate *ls = lua_touserdata(L, 1);
	struct det_lua_thread *lt = ls->lt;
	const struct det_lua_script *s = ls->s;
	struct det_kw_ctx *c = lt->c;

	lua_settop(L, 0);
	lua_getglobal(L, "match");
	lua_createtable(L, 0, 2);
	if ((s->needs & LN_PACKET) && c->p != NULL) {
		lua_pushlstring(L, (const char *)c->p->data, c->p->caplen);
		lua_setfield(L, -2, "packet");
	}
	if ((s->needs & LN_PAYLOAD) && c->p != NULL && c->payload != NULL) {
		lua_pushlstring(L, (const char *)c->payload, c->payload_len);
		lua_setfield(L, -2, "payload");
	}
	if ((s->needs & LN_STREAM) && c->p == NULL && c->msg == NULL && c->payload != NULL) {
		lua_pushlstring(L, (const char *)c->payload, c->payload_len);
		lua_setfield(L, -2, "stream");
	}
	if (s->need != NULL && s->need->buffer != NULL && c->msg != NULL) {
		struct app_buf b;
		int id = app_buffer_find(s->need->buffer);

		if (id >= 0 &&
		    app_msg_buffer_id_i(c->msg, id, lt->value, &b, lt->scratch, LUA_SCRATCH) == 0) {
			push_buf(L, &b);
			lua_setfield(L, -2, s->need->need);
		}
	}
	if ((s->needs & LN_BUFFER) && lt->buf_id > 0 && c->msg != NULL) {
		struct app_buf b;

		if (app_msg_buffer_id(c->msg, lt->buf_id - 1 /* the app stage's number */, &b,
		                      lt->scratch, LUA_SCRATCH) == 0) {
			push_buf(L, &b);
			lua_setfield(L, -2, "buffer");
		}
	}
	lua_call(L, 1, 1);
	lt->matched = lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == 1;
	return 0;
}

/* How many times match() runs for c: the values of the script's need buffer when it has
 * several (at least 1) */
static size_t
lua_need_values(struct det_lua_thread *lt, const struct det_lua_script *s, struct det_kw_ctx *c)
{
	struct app_buf b;
	size_t n = 1;
	int id;

	if (s->need == NULL || s->need->buffer == NULL || c->msg == NULL ||
	    (id = app_buffer_find(s->need->buffer)) < 0 || !app_buffer_multi(id))
		return 1;
	while (app_msg_buffer_id_i(c->msg, id, n, &b, lt->scratch, LUA_SCRATCH) == 0)
		n++;
	return n;
}

bool
det_lua_match(struct det_kw_ctx *c, const struct det_kw *k)
{
	const struct det_lua_set *set = c->e->lua;
	struct det_lua_thread *lt;
	struct lstate *ls;
	const struct det_lua_script *s;
	lua_State *L;
	bool match = false;
	size_t nval;
	int rc;

	if (set == NULL || c->lua == NULL || k->id < 0 || (uint32_t)k->id >= set->n ||
	    (lt = thread_get(c)) == NULL)
		return false;
	ls = &lt->states[k->id];
	s = ls->s;
	if (ls->dead)
		return false;
	if (ls->L == NULL) {
		char why[256];

		if (lua_state_make(ls, why, sizeof(why)) != 0) {
			lua_state_close(ls);
			ls->dead = true;
			count_error(lt, ls, why);
			return false;
		}
	}
	L = ls->L;
	lua_settop(L, 0);
	lt->c = c;
	lt->cur = s;
	lt->instr = 0;
	lt->over_instr = false;
	/* everything that allocates runs protected: a refused allocation is a Lua error */
	lt->matched = false;
	lt->buf_id = k->id2;
	/* a need whose buffer has several values (dns.rrname: each question) calls match() once
	 * per value, as Suricata inspects a multi-buffer, until one matches */
	nval = lua_need_values(lt, s, c);
	for (lt->value = 0; lt->value < nval && !match; lt->value++) {
		lt->c = c;
		lt->instr = 0;
		lt->over_instr = false;
		lt->matched = false;
		rc = lua_cpcall(L, lua_call_match, ls);
		lt->c = NULL;
		if (rc != 0) {
			count_error(lt, ls,
			            lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error");
			lua_settop(L, 0);
			return false;
		}
		match = lt->matched;
		lua_settop(L, 0);
	}
	return match != k->negated;
}

#else /* without Lua: the keyword is skipped by the parser (rp_known_unsupported) */

int
det_lua_engine_init(struct detect_engine *e, const struct detect_conf *conf)
{
	(void)e;
	(void)conf;
	return 0;
}

int
det_lua_resolve(struct detect_engine *e, struct det_rule *r, struct det_parse_error *err)
{
	(void)e;
	(void)r;
	(void)err;
	return 0;
}

int
det_lua_flowints(struct detect_engine *e)
{
	(void)e;
	return 0;
}

bool
det_lua_match(struct det_kw_ctx *c, const struct det_kw *k)
{
	(void)c;
	(void)k;
	return false;
}

void
det_lua_thread_free(struct det_lua_thread *lt)
{
	(void)lt;
}

void
det_lua_engine_free(struct detect_engine *e)
{
	(void)e;
}

#endif
