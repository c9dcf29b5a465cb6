/* tests/unit/app/test_ssh.c: unit tests of the SSH identification parser (RFC 4253 4.2): both
 * banners whole and a byte at a time, lines the server sends first, hostile lines (too long,
 * not SSH, no software version) counted, the ssh event and buffers, the memory given back. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/core.h"
#include "unit.h"

/* What the parser emitted, copied during the callback. */
struct rec {
	int n;
	enum flow_dir dir;
	char eve[1024];
	char proto[2][64], software[2][256]; /* buffer values 0 (client) and 1 (server) */
};

static void
copy_buf(char *dst, size_t size, const struct app_buf *b)
{
	size_t n = b->len < size - 1 ? b->len : size - 1;

	if (n > 0)
		memcpy(dst, b->p, n);
	dst[n] = '\0';
}

static void
rec_emit(void *arg, struct sw_flow *f, const struct app_msg *m)
{
	struct rec *r = arg;
	struct sbuf sb;
	struct jw w;
	struct app_buf v;
	int proto_id = app_buffer_find("ssh.proto"), sw_id = app_buffer_find("ssh.software");

	(void)f;
	r->n++;
	r->dir = m->dir;
	sbuf_init(&sb);
	jw_init(&w, &sb);
	app_msg_eve(&w, m, false);
	jw_finish(&w);
	snprintf(r->eve, sizeof(r->eve), "%.*s", (int)sb.len - 1, sb.p);
	sbuf_free(&sb);
	for (size_t i = 0; i < 2; i++) {
		r->proto[i][0] = r->software[i][0] = '\0';
		if (app_msg_buffer_id_i(m, proto_id, i, &v, NULL, 0) == 0)
			copy_buf(r->proto[i], sizeof(r->proto[i]), &v);
		if (app_msg_buffer_id_i(m, sw_id, i, &v, NULL, 0) == 0)
			copy_buf(r->software[i], sizeof(r->software[i]), &v);
	}
}

struct env {
	struct rec rec;
	struct app_stats st;
	struct sw_memcap mem;
	struct app_ctx ctx;
	void *state;
};

static void
env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->ctx.emit = rec_emit;
	e->ctx.arg = &e->rec;
	e->ctx.st = &e->st;
	e->ctx.mem = &e->mem;
	e->ctx.ts = 1000;
	e->state = app_parser_ssh.state_new(&e->mem);
	if (e->state == NULL)
		abort();
}

static void
env_end(struct env *e)
{
	app_parser_ssh.flow_end(&e->ctx, e->state);
	app_parser_ssh.state_free(e->state);
	e->state = NULL;
}

static void
feed(struct env *e, enum flow_dir dir, const char *s, bool bytewise)
{
	size_t len = strlen(s);

	if (!bytewise) {
		app_parser_ssh.stream(&e->ctx, e->state, dir, (const uint8_t *)s, len, 0);
		return;
	}
	for (size_t i = 0; i < len; i++)
		app_parser_ssh.stream(&e->ctx, e->state, dir, (const uint8_t *)s + i, 1, 0);
}

/* A KEXINIT (RFC 4253 7.1) after the banner: the message waits for both sides' (HASSH). */
static void
feed_kex(struct env *e, enum flow_dir dir, bool bytewise)
{
	static const char *const lists[10] = {"kexA", "hk",   "encC", "encS", "macC",
	                                      "macS", "none", "none", "",     ""};
	uint8_t pkt[256];
	size_t at = 5, plen;

	pkt[at++] = 20;
	memset(pkt + at, 0xaa, 16); /* cookie */
	at += 16;
	for (int i = 0; i < 10; i++) {
		size_t n = strlen(lists[i]);

		pkt[at++] = 0, pkt[at++] = 0, pkt[at++] = 0, pkt[at++] = (uint8_t)n;
		memcpy(pkt + at, lists[i], n);
		at += n;
	}
	pkt[at++] = 0; /* first_kex_packet_follows */
	memset(pkt + at, 0, 4 + 6); /* reserved, then 6 bytes of padding */
	at += 10;
	plen = at - 4;
	pkt[0] = 0, pkt[1] = 0, pkt[2] = 0, pkt[3] = (uint8_t)plen;
	pkt[4] = 6;
	if (!bytewise) {
		app_parser_ssh.stream(&e->ctx, e->state, dir, pkt, at, 0);
		return;
	}
	for (size_t i = 0; i < at; i++)
		app_parser_ssh.stream(&e->ctx, e->state, dir, pkt + i, 1, 0);
}

static const char client[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
static const char server[] = "SSH-2.0-dropbear_2022.83\r\n";
static const char want_eve[] =
    "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_9.2p1\","
    "\"hassh\":{\"hash\":\"df4582bcf62400986509f2017c2ab724\",\"string\":\"kexA;encC;macC;none\"}},"
    "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"dropbear_2022.83\","
    "\"hassh\":{\"hash\":\"47f8edc7437fa72a7d97a4fe4efebfbb\",\"string\":\"kexA;encS;macS;none\"}}}}";

static void
test_whole(bool bytewise)
{
	const char *how = bytewise ? "a byte at a time" : "whole";
	char name[128];
	struct env e;

	env_init(&e);
	UNIT_CHECK(e.mem.memuse > 0, "state charged to app memory");
	feed(&e, FLOW_TO_SERVER, client, bytewise);
	snprintf(name, sizeof(name), "%s: nothing emitted with the client's banner only", how);
	UNIT_CHECK(e.rec.n == 0, name);
	/* the first binary packet (KEXINIT) after the banner is read for HASSH */
	feed_kex(&e, FLOW_TO_SERVER, bytewise);
	feed(&e, FLOW_TO_SERVER, "\x00\x00\x05\xdc\x07\x14garbage\n", bytewise); /* not read */
	feed(&e, FLOW_TO_CLIENT, server, bytewise);
	snprintf(name, sizeof(name), "%s: nothing before the server's KEXINIT", how);
	UNIT_CHECK(e.rec.n == 0, name);
	feed_kex(&e, FLOW_TO_CLIENT, bytewise);
	snprintf(name, sizeof(name), "%s: one message when both banners and KEXINITs are in", how);
	UNIT_CHECK(e.rec.n == 1 && e.rec.dir == FLOW_TO_CLIENT, name);
	snprintf(name, sizeof(name), "%s: the ssh event", how);
	UNIT_CHECK_STR(e.rec.eve, want_eve, name);
	snprintf(name, sizeof(name), "%s: ssh.proto of both sides", how);
	UNIT_CHECK(strcmp(e.rec.proto[0], "2.0") == 0 && strcmp(e.rec.proto[1], "2.0") == 0, name);
	snprintf(name, sizeof(name), "%s: ssh.software of both sides, without the comments", how);
	UNIT_CHECK(strcmp(e.rec.software[0], "OpenSSH_9.2p1") == 0 &&
	               strcmp(e.rec.software[1], "dropbear_2022.83") == 0,
	           name);
	env_end(&e);
	snprintf(name, sizeof(name), "%s: no second message at flow end, no error", how);
	UNIT_CHECK(e.rec.n == 1 && e.st.messages[APP_SSH] == 1 && e.st.errors[APP_SSH] == 0, name);
	snprintf(name, sizeof(name), "%s: memory back to 0", how);
	UNIT_CHECK(e.mem.memuse == 0, name);
}

static void
test_pre_lines(void)
{
	struct env e;

	env_init(&e);
	feed(&e, FLOW_TO_CLIENT, "Welcome to the host\r\n", false);
	feed(&e, FLOW_TO_CLIENT, "\r\nauthorised use only\n", true);
	feed(&e, FLOW_TO_CLIENT, "SSH-1.99-Cisco-1.25\n", false); /* bare LF */
	feed(&e, FLOW_TO_SERVER, "SSH-2.0-PuTTY_Release_0.80\r\n", false);
	feed_kex(&e, FLOW_TO_CLIENT, false);
	feed_kex(&e, FLOW_TO_SERVER, false);
	UNIT_CHECK(e.rec.n == 1 && e.rec.dir == FLOW_TO_SERVER,
	           "server lines before its banner skipped");
	UNIT_CHECK(strcmp(e.rec.proto[1], "1.99") == 0 &&
	               strcmp(e.rec.software[1], "Cisco-1.25") == 0,
	           "server: 1.99, software with a '-' in it");
	UNIT_CHECK(strcmp(e.rec.software[0], "PuTTY_Release_0.80") == 0, "client software");
	UNIT_CHECK(e.st.errors[APP_SSH] == 0, "pre-banner lines are no error");
	env_end(&e);
	UNIT_CHECK(e.mem.memuse == 0, "pre-banner lines: memory back to 0");

	/* the client may not: its first line is its banner */
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, "hello\r\nSSH-2.0-x\r\n", false);
	feed(&e, FLOW_TO_CLIENT, server, false);
	feed_kex(&e, FLOW_TO_CLIENT, false);
	UNIT_CHECK(e.st.errors[APP_SSH] == 1, "client line before the banner: counted");
	UNIT_CHECK(e.rec.n == 1 && e.rec.proto[0][0] == '\0' && strcmp(e.rec.proto[1], "2.0") == 0,
	           "... and the message has the server's banner only");
	UNIT_CHECK(strstr(e.rec.eve, "client") == NULL, "... and no client object");
	env_end(&e);
	UNIT_CHECK(e.rec.n == 1 && e.mem.memuse == 0, "... no second message, memory back to 0");
}

static void
test_hostile(void)
{
	char line[400];
	struct env e;

	/* 254 bytes and LF: the longest line; one more byte is refused */
	memset(line, 'a', sizeof(line));
	memcpy(line, "SSH-2.0-", 8);
	line[254] = '\n';
	line[255] = '\0';
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, line, false);
	feed_kex(&e, FLOW_TO_SERVER, false);
	feed(&e, FLOW_TO_CLIENT, server, false);
	feed_kex(&e, FLOW_TO_CLIENT, false);
	UNIT_CHECK(e.rec.n == 1 && strlen(e.rec.software[0]) == 254 - 8 &&
	               e.st.errors[APP_SSH] == 0,
	           "a 255-byte line is taken");
	env_end(&e);

	line[254] = 'a';
	line[255] = '\n';
	line[256] = '\0';
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, line, true);
	UNIT_CHECK(e.st.errors[APP_SSH] == 1 && e.rec.n == 0,
	           "a 256-byte line is refused, counted");
	feed(&e, FLOW_TO_SERVER, client, false);
	feed(&e, FLOW_TO_CLIENT, server, false);
	feed_kex(&e, FLOW_TO_CLIENT, false);
	UNIT_CHECK(e.rec.n == 1 && e.rec.proto[0][0] == '\0' && strcmp(e.rec.proto[1], "2.0") == 0,
	           "... and that direction is not read again");
	env_end(&e);
	UNIT_CHECK(e.mem.memuse == 0, "over-long line: memory back to 0");

	/* a server that never stops talking before its banner */
	env_init(&e);
	for (int i = 0; i < 40; i++)
		feed(&e, FLOW_TO_CLIENT, "motd\r\n", false);
	feed(&e, FLOW_TO_CLIENT, server, false);
	UNIT_CHECK(e.st.errors[APP_SSH] == 1, "too many lines before the banner: counted");
	env_end(&e);
	UNIT_CHECK(e.rec.n == 0, "... and no message (no banner on either side)");

	/* no '-' after the version, an empty version */
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, "SSH-2.0\r\n", false);
	feed(&e, FLOW_TO_CLIENT, "SSH--x\r\n", false);
	UNIT_CHECK(e.st.errors[APP_SSH] == 2 && e.rec.n == 0,
	           "malformed banners: counted, no message");
	env_end(&e);
	UNIT_CHECK(e.rec.n == 0 && e.mem.memuse == 0, "malformed banners: memory back to 0");

	/* a gap before the line ends */
	env_init(&e);
	feed(&e, FLOW_TO_CLIENT, "SSH-2.0-Open", false);
	app_parser_ssh.stream(&e.ctx, e.state, FLOW_TO_CLIENT, NULL, 100, 0x01);
	feed(&e, FLOW_TO_CLIENT, "SSH\r\n", false);
	feed(&e, FLOW_TO_SERVER, client, false);
	feed_kex(&e, FLOW_TO_SERVER, false);
	UNIT_CHECK(e.rec.n == 1 && e.rec.proto[1][0] == '\0' && e.rec.proto[0][0] == '2',
	           "a gap ends that direction");
	env_end(&e);
}

static void
test_flow_end(void)
{
	struct env e;

	env_init(&e);
	feed(&e, FLOW_TO_SERVER, client, false);
	feed(&e, FLOW_TO_CLIENT, "SSH-2.0-unfinished", false);
	UNIT_CHECK(e.rec.n == 0, "one banner and a partial line: nothing yet");
	env_end(&e);
	UNIT_CHECK(e.rec.n == 1 && e.rec.dir == FLOW_TO_SERVER && e.rec.proto[1][0] == '\0' &&
	               strcmp(e.rec.software[0], "OpenSSH_9.2p1") == 0,
	           "flow end: the client's banner alone");
	UNIT_CHECK(e.mem.memuse == 0, "flow end: memory back to 0");

	/* a first packet longer than SSH_KEX_MAX is not read: no HASSH, the message goes out */
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, client, false);
	app_parser_ssh.stream(&e.ctx, e.state, FLOW_TO_SERVER,
	                      (const uint8_t *)"\x00\x01\x00\x00\x04\x14", 6, 0);
	feed(&e, FLOW_TO_CLIENT, server, false);
	feed_kex(&e, FLOW_TO_CLIENT, false);
	UNIT_CHECK(e.rec.n == 1 && strstr(e.rec.eve, "df4582bc") == NULL &&
	               strstr(e.rec.eve, "47f8edc7") != NULL,
	           "a 64 KiB first packet: not read, the server's HASSH only");
	env_end(&e);
	UNIT_CHECK(e.mem.memuse == 0, "... memory back to 0");
	/* a KEXINIT cut by the flow's end: the banners alone */
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, client, false);
	{
		size_t before = e.mem.memuse;

		app_parser_ssh.stream(&e.ctx, e.state, FLOW_TO_SERVER,
		                      (const uint8_t *)"\x00\x00\x01\x00\x04\x14\x00", 7, 0);
		UNIT_CHECK(e.mem.memuse == before + 0x104, "a partial KEXINIT is kept, charged");
	}
	env_end(&e);
	UNIT_CHECK(e.rec.n == 1 && strstr(e.rec.eve, "hassh") == NULL && e.mem.memuse == 0,
	           "... flow end: the message without HASSH, memory back to 0");
	/* not a KEXINIT (type 21), or lists that overrun the payload: no HASSH */
	env_init(&e);
	feed(&e, FLOW_TO_SERVER, client, false);
	app_parser_ssh.stream(&e.ctx, e.state, FLOW_TO_SERVER,
	                      (const uint8_t *)"\x00\x00\x00\x0c\x0a\x15\x00\x00\x00\x00\x00"
	                                       "\x00\x00\x00\x00\x00",
	                      16, 0);
	feed(&e, FLOW_TO_CLIENT, server, false);
	app_parser_ssh.stream(&e.ctx, e.state, FLOW_TO_CLIENT,
	                      (const uint8_t *)"\x00\x00\x00\x20\x04\x14"
	                                       "cookiecookiecook\x00\x00\xff\xff"
	                                       "xxxxxx\x00\x00\x00\x00", /* 36 bytes */
	                      36, 0);
	UNIT_CHECK(e.rec.n == 1 && strstr(e.rec.eve, "hassh") == NULL,
	           "not a KEXINIT, a list past the packet: no HASSH");
	env_end(&e);
	UNIT_CHECK(e.mem.memuse == 0, "... memory back to 0");
}

static void
test_ops(void)
{
	struct sw_memcap cap = {.memcap = 64};
	uint8_t ip = 0;

	UNIT_CHECK(app_parser_ssh.probe((const uint8_t *)"SSH-2.0-x", 9, FLOW_TO_SERVER),
	           "probe: SSH-");
	UNIT_CHECK(!app_parser_ssh.probe((const uint8_t *)"SSH", 3, FLOW_TO_SERVER) &&
	               !app_parser_ssh.probe((const uint8_t *)"GET / HTTP/1.1", 14, FLOW_TO_SERVER),
	           "probe: not SSH");
	UNIT_CHECK(app_parser_ssh.state_new(&cap) == NULL && cap.refused == 1 && cap.memuse == 0,
	           "state refused by the memcap, counted");
	app_parser_ssh.state_free(NULL);
	UNIT_CHECK(app_proto_find_rule_name("ssh", &ip) == APP_SSH && ip == 6,
	           "rule header ssh: our parser, TCP");
	UNIT_CHECK(app_buffer_find("ssh_proto") == app_buffer_find("ssh.proto") &&
	               app_buffer_find("ssh_software") == app_buffer_find("ssh.software") &&
	               app_buffer_find("ssh.proto") >= 0,
	           "old names are aliases");
	UNIT_CHECK(app_buffer_multi(app_buffer_find("ssh.software")),
	           "ssh.software: both sides' values");
	UNIT_CHECK(app_buffer_find("ssh_hassh") == app_buffer_find("ssh.hassh") &&
	               app_buffer_find("ssh_hassh_server_string") ==
	                   app_buffer_find("ssh.hassh.server.string") &&
	               app_buffer_find("ssh.hassh.string") >= 0 &&
	               app_buffer_find("ssh.hassh.server") >= 0,
	           "ssh.hassh buffers and their old names");
	UNIT_CHECK(app_buffer_find("ssh.softwareversion") == SW_E_NOTFOUND,
	           "ssh.softwareversion (a keyword with a value) is not a buffer");
}

int
main(void)
{
	test_whole(false);
	test_whole(true);
	test_pre_lines();
	test_hostile();
	test_flow_end();
	test_ops();
	return unit_done();
}
