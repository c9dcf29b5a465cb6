/* src/output/output_report_html.c: writes the investigation report: one HTML file with its style,
 * its script (table sort and filter) and its plots (inline SVG) inside, that fetches nothing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/output_report_int.h"

static void
esc(struct sbuf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			sbuf_adds(b, "&amp;");
			break;
		case '<':
			sbuf_adds(b, "&lt;");
			break;
		case '>':
			sbuf_adds(b, "&gt;");
			break;
		case '"':
			sbuf_adds(b, "&quot;");
			break;
		case '\'':
			sbuf_adds(b, "&#39;");
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				sbuf_addc(b, '?');
			else
				sbuf_addc(b, *s);
		}
	}
}

static void
fmt_time(struct sbuf *b, sw_time_t t)
{
	time_t secs = (time_t)(t / SW_USEC_PER_SEC);
	struct tm tm;
	char buf[64];

	if (t == 0 || gmtime_r(&secs, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		sbuf_adds(b, "-");
		return;
	}
	sbuf_addf(b, "%s.%03u", buf, (unsigned)(t % SW_USEC_PER_SEC / 1000));
}

static void
fmt_bytes(struct sbuf *b, uint64_t n)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		sbuf_addf(b, "%llu B", (unsigned long long)n);
	else
		sbuf_addf(b, "%.1f %s", v, unit[u]);
}

/* The n-th tab-separated field of s into out. */
static const char *
field(const char *s, int n, char *out, size_t size)
{
	const char *end;
	size_t len;

	while (n-- > 0 && s != NULL)
		if ((s = strchr(s, '\t')) != NULL)
			s++;
	if (s == NULL) {
		out[0] = '\0';
		return out;
	}
	end = strchr(s, '\t');
	len = end != NULL ? (size_t)(end - s) : strlen(s);
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static void
td_num(struct sbuf *b, uint64_t v)
{
	sbuf_addf(b, "<td class=n data-v=\"%llu\">%llu</td>", (unsigned long long)v,
	          (unsigned long long)v);
}

static void
td_bytes(struct sbuf *b, uint64_t v)
{
	sbuf_addf(b, "<td class=n data-v=\"%llu\">", (unsigned long long)v);
	fmt_bytes(b, v);
	sbuf_adds(b, "</td>");
}

static void
td_time(struct sbuf *b, sw_time_t t)
{
	sbuf_addf(b, "<td data-v=\"%llu\">", (unsigned long long)t);
	fmt_time(b, t);
	sbuf_adds(b, "</td>");
}

static void
td_str(struct sbuf *b, const char *s)
{
	sbuf_adds(b, "<td>");
	esc(b, s);
	sbuf_adds(b, "</td>");
}

/* A count with its possible error (an entry that replaced another). */
static void
td_count(struct sbuf *b, const struct report_entry *e)
{
	sbuf_addf(b, "<td class=n data-v=\"%llu\">%llu", (unsigned long long)e->count,
	          (unsigned long long)e->count);
	if (e->err > 0)
		sbuf_addf(b,
		          " <span class=approx title=\"this row replaced a lighter one: up to %llu "
		          "more may belong to it\">+&le;%llu</span>",
		          (unsigned long long)e->err, (unsigned long long)e->err);
	sbuf_adds(b, "</td>");
}

/* Flows, packets, bytes one way, the other, and in all. */
static void
td_traffic(struct sbuf *b, const struct report_entry *e)
{
	td_count(b, e);
	td_num(b, e->pkts);
	td_bytes(b, e->bytes_out);
	td_bytes(b, e->bytes_in);
	td_bytes(b, e->weight);
	sbuf_adds(b, "</tr>\n");
}

static int
by_weight(const void *a, const void *b)
{
	const struct report_entry *x = *(const struct report_entry *const *)a;
	const struct report_entry *y = *(const struct report_entry *const *)b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The used entries of t, heaviest first; *n their number (the caller frees the array). */
static struct report_entry **
sorted(const struct report_topk *t, size_t *n)
{
	struct report_entry **v = calloc(t->used + 1, sizeof(*v));
	size_t i, k = 0;

	if (v == NULL) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < t->cap; i++)
		if (t->e[i].used)
			v[k++] = &t->e[i];
	qsort(v, k, sizeof(*v), by_weight);
	*n = k;
	return v;
}

/* The heading of a sortable, filterable table and the note on what it shows. */
static void
table_begin(struct sbuf *b, const char *id, const char *const *cols, size_t shown,
            const struct report_topk *t, const char *what)
{
	size_t i;

	sbuf_addf(
	    b,
	    "<p class=tools>Filter: <input type=search id=\"%s-filter\" "
	    "placeholder=\"text in any column\"> <span id=\"%s-shown\">%zu</span> of %zu rows "
	    "shown.",
	    id, id, shown, shown);
	if (t != NULL) {
		sbuf_addf(b, " The table keeps up to %zu %s (the heaviest)", t->cap, what);
		if (t->evicted > 0)
			sbuf_addf(
			    b,
			    "; %llu lighter ones were replaced, so the figures of a row marked "
			    "+&le; may miss up to that many",
			    (unsigned long long)t->evicted);
		sbuf_adds(b, ".");
	}
	sbuf_addf(b, " Click a heading to sort.</p>\n<table class=sortable id=\"%s\"><thead><tr>",
	          id);
	for (i = 0; cols[i] != NULL; i++) {
		sbuf_adds(b, "<th>");
		esc(b, cols[i]);
		sbuf_adds(b, "</th>");
	}
	sbuf_adds(b, "</tr></thead><tbody>\n");
}

static void
table_end(struct sbuf *b)
{
	sbuf_adds(b, "</tbody></table>\n");
}

/* The rows of table t to list (heaviest first, at most report.top), after the table's heading;
 * empty: a sentence for a table without rows. The caller frees the array. */
static struct report_entry **
table_rows(struct report *r, struct sbuf *b, const struct report_topk *t, const char *id,
           const char *const *cols, const char *what, const char *empty, size_t *shown)
{
	struct report_entry **v;
	size_t n;

	v = sorted(t, &n);
	*shown = n < r->conf->report_top ? n : r->conf->report_top;
	if (n == 0 && empty != NULL)
		sbuf_addf(b, "<p>%s</p>\n", empty);
	if (n > *shown)
		sbuf_addf(b, "<p class=note>%zu more %s are not listed (report.top: %u).</p>\n",
		          n - *shown, what, r->conf->report_top);
	table_begin(b, id, cols, *shown, t, what);
	return v;
}

/* ---- JSON values as HTML ------------------------------------------------------------------ */

static void render_value(struct sbuf *b, const struct rjv *v, int depth);

static void
render_obj(struct sbuf *b, const struct rjv *v, int depth, const char *const *skip)
{
	const struct rjv *c;
	size_t i;

	sbuf_adds(b, "<table class=kv>");
	for (c = v->child; c != NULL; c = c->next) {
		for (i = 0; skip != NULL && skip[i] != NULL; i++)
			if (strcmp(skip[i], c->key) == 0)
				break;
		if (skip != NULL && skip[i] != NULL)
			continue;
		sbuf_adds(b, "<tr><th>");
		esc(b, c->key);
		sbuf_adds(b, "</th><td>");
		render_value(b, c, depth + 1);
		sbuf_adds(b, "</td></tr>");
	}
	sbuf_adds(b, "</table>");
}

static void
render_value(struct sbuf *b, const struct rjv *v, int depth)
{
	const struct rjv *c;

	if (depth > 16) {
		sbuf_adds(b, "&hellip;");
		return;
	}
	switch (v->type) {
	case RJ_NULL:
		sbuf_adds(b, "null");
		break;
	case RJ_BOOL:
		sbuf_adds(b, v->num != 0 ? "true" : "false");
		break;
	case RJ_NUM:
		esc(b, v->s);
		break;
	case RJ_STR:
		esc(b, v->s);
		break;
	case RJ_OBJ:
		render_obj(b, v, depth, NULL);
		break;
	case RJ_ARR:
		for (c = v->child; c != NULL; c = c->next) {
			const char *name = rjv_str(c, "name"), *value = rjv_str(c, "value");

			if (c->type == RJ_OBJ && name != NULL && c->n <= 2) { /* headers */
				sbuf_adds(b, "<div><b>");
				esc(b, name);
				sbuf_adds(b, "</b>: ");
				esc(b, value);
				sbuf_adds(b, "</div>");
			} else if (c->type == RJ_OBJ || c->type == RJ_ARR) {
				sbuf_adds(b, "<div class=item>");
				render_value(b, c, depth + 1);
				sbuf_adds(b, "</div>");
			} else {
				if (c != v->child)
					sbuf_adds(b, ", ");
				render_value(b, c, depth + 1);
			}
		}
		break;
	default:
		break;
	}
}

/* ---- sections ----------------------------------------------------------------------------- */

static const char style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe "
    "UI',Roboto,sans-serif;margin:0;color:#1b1f24;"
    "background:#f6f7f9}header{background:#20324d;color:#fff;padding:12px 24px}header h1{margin:0;"
    "font-size:22px}header p{margin:4px 0 0;opacity:.85}nav{background:#2c4466;padding:6px 24px}"
    "nav a{color:#dfe8f5;margin-right:14px;text-decoration:none}main{padding:8px 24px 40px}"
    "section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 16px;"
    "margin:14px 0}h2{font-size:18px;margin:8px 0}h3{font-size:16px}table{border-collapse:collapse;"
    "margin:6px 0}th,td{border-bottom:1px solid #e5e8ec;padding:3px 8px;text-align:left;"
    "vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "table.sortable th{cursor:pointer;background:#eef1f5;position:sticky;top:0}"
    "table.sortable th.asc:after{content:' \\25B2'}table.sortable th.desc:after{content:' \\25BC'}"
    "table.sortable tbody tr:hover{background:#f3f7fd}.tools{color:#555;margin:4px 0}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #dde1e6;border-radius:6px;"
    "padding:6px 12px;min-width:120px}.card b{display:block;font-size:20px}.sev1{color:#b00020;"
    "font-weight:bold}.sev2{color:#c25e00}.sev3{color:#8a6d00}.bar{background:#5b8def;height:10px;"
    "display:inline-block}.approx{color:#999;font-size:12px}.note{color:#555}"
    "table.kv th{background:none;font-weight:600;color:#333;width:1%;white-space:nowrap}"
    "table.kv table.kv{margin:0}.item{border-left:3px solid #dde1e6;padding-left:6px;margin:2px 0}"
    ".alert-page{display:none}.alert-page:target{display:block;position:fixed;top:0;left:0;"
    "right:0;bottom:0;overflow:auto;margin:0;border-radius:0;z-index:10;padding:8px 24px}"
    ".mono,td.h{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-"
    "all}"
    "svg text{font:11px sans-serif;fill:#444}\n";

static const char script[] =
    "(function(){\n"
    "function val(td){var v=td.getAttribute('data-v');return v!==null?parseFloat(v):"
    "td.textContent.toLowerCase();}\n"
    "function sortT(t,c,desc){var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);\n"
    " rows.sort(function(a,b){var x=val(a.cells[c]),y=val(b.cells[c]);var r=(typeof x==='number'"
    "&&typeof y==='number')?x-y:String(x).localeCompare(String(y));return desc?-r:r;});\n"
    " rows.forEach(function(r){tb.appendChild(r);});t.setAttribute('data-sort',c+(desc?'d':'a'));\n"
    " var ths=t.tHead.rows[0].cells;for(var i=0;i<ths.length;i++)ths[i].className=i===c?"
    "(desc?'desc':'asc'):'';}\n"
    "function filterT(t,q){q=q.toLowerCase();var n=0,rows=t.tBodies[0].rows;\n"
    " for(var i=0;i<rows.length;i++){var s=!q||rows[i].textContent.toLowerCase().indexOf(q)>=0;"
    "rows[i].style.display=s?'':'none';if(s)n++;}\n"
    " var "
    "e=document.getElementById(t.id+'-shown');if(e)e.textContent=n;t.setAttribute('data-shown',n);}"
    "\n"
    "Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){\n"
    " var ths=t.tHead.rows[0].cells;Array.prototype.forEach.call(ths,function(th,i){"
    "th.addEventListener('click',function(){sortT(t,i,t.getAttribute('data-sort')!==i+'d');});});\n"
    " var f=document.getElementById(t.id+'-filter');if(f)f.addEventListener('input',function(){"
    "filterT(t,f.value);});});\n"
    "/* ?filter=TABLE:TEXT&sort=TABLE:COLUMN:asc|desc, applied when the page opens */\n"
    "var p=new URLSearchParams(location.search);\n"
    "p.getAll('filter').forEach(function(v){var "
    "k=v.indexOf(':'),t=document.getElementById(v.slice(0,k));"
    "if(t&&t.tBodies.length){var "
    "f=document.getElementById(t.id+'-filter');if(f)f.value=v.slice(k+1);"
    "filterT(t,v.slice(k+1));}});\n"
    "p.getAll('sort').forEach(function(v){var a=v.split(':'),t=document.getElementById(a[0]);"
    "if(t&&t.tBodies.length)sortT(t,parseInt(a[1],10),a[2]==='desc');});\n"
    "/* how long the page took to open, for the tests: navigation start to the load event */\n"
    "window.addEventListener('load',function(){document.body.setAttribute('data-load-ms',"
    "Math.round(performance.now()));});\n"
    "})();\n";

static void
card(struct sbuf *b, const char *id, const char *label, uint64_t v)
{
	sbuf_addf(b, "<div class=card><b id=\"%s\">%llu</b>%s</div>", id, (unsigned long long)v,
	          label);
}

struct flat {
	struct sbuf *b;
	size_t shown;
};

/* Loss and limit figures of the final stats event: its non-zero counters whose names say so. */
static void
loss_rows(struct flat *fl, const struct rjv *v, char *path, size_t len, size_t size)
{
	static const char *const words[] = {"drop",    "loss",  "refused", "gap",     "trunc",
	                                    "invalid", "error", "evicted", "limit",   "bad",
	                                    "overlap", "full",  "failed",  "corrupt", NULL};
	const struct rjv *c;
	size_t i;

	for (c = v->child; c != NULL; c = c->next) {
		int n = snprintf(path + len, size - len, "%s%s", len > 0 ? "." : "", c->key);

		if (n < 0 || (size_t)n >= size - len)
			continue;
		if (len == 0 && strcmp(c->key, "loss") == 0) {
			path[len] = '\0';
			continue; /* the loss section, shown by cause above */
		}
		if (c->type == RJ_OBJ) {
			loss_rows(fl, c, path, len + (size_t)n, size);
		} else if (c->type == RJ_NUM && c->num > 0 &&
		           strncmp(path, "decoder.event.", 14) != 0) {
			for (i = 0; words[i] != NULL; i++)
				if (strstr(path, words[i]) != NULL)
					break;
			if (words[i] == NULL)
				continue;
			sbuf_adds(fl->b, "<tr><td class=mono>");
			esc(fl->b, path);
			sbuf_adds(fl->b, "</td>");
			td_num(fl->b, (uint64_t)c->num);
			sbuf_adds(fl->b, "</tr>\n");
			fl->shown++;
		}
		path[len] = '\0';
	}
}

static void
section_summary(struct report *r, struct sbuf *b, const struct rjv *st)
{
	uint64_t pkts = rjv_u64(st, "stats.decoder.pkts"),
	         bytes = rjv_u64(st, "stats.decoder.bytes");
	char path[256] = "";
	struct flat fl = {b, 0};
	int t;

	sbuf_adds(b, "<section id=summary><h2>Summary</h2><div class=cards>");
	card(b, "sum-packets", "packets", pkts);
	sbuf_addf(b, "<div class=card><b id=sum-bytes data-v=\"%llu\">", (unsigned long long)bytes);
	fmt_bytes(b, bytes);
	sbuf_adds(b, "</b>bytes</div>");
	card(b, "sum-flows", "flows", r->flows);
	card(b, "sum-alerts", "alerts", r->alerts);
	card(b, "sum-cti", "CTI hits", r->cti_hits);
	card(b, "sum-files", "files", r->files);
	card(b, "sum-anomalies", "anomalies", r->anomalies);
	sbuf_adds(b, "</div>\n<table class=kv><tr><th>first seen</th><td id=sum-first>");
	fmt_time(b, r->first);
	sbuf_adds(b, " UTC</td></tr><tr><th>last seen</th><td id=sum-last>");
	fmt_time(b, r->last);
	sbuf_addf(b, " UTC</td></tr><tr><th>time span</th><td id=sum-span>%.3f s</td></tr>",
	          r->last > r->first ? (double)(r->last - r->first) / 1e6 : 0.0);
	sbuf_adds(b, "<tr><th>events</th><td id=sum-events>");
	for (t = 0; t < EVE_TYPE_MAX; t++)
		if (r->events[t] > 0)
			sbuf_addf(b, "<span data-type=\"%s\">%s %llu</span> ", eve_type_name(t),
			          eve_type_name(t), (unsigned long long)r->events[t]);
	sbuf_adds(b, "</td></tr>");
	if (st == NULL)
		sbuf_adds(
		    b, "<tr><th>final stats</th><td>none: the run wrote no stats event</td></tr>");
	sbuf_adds(b, "</table>\n<h3>Loss</h3>\n");
	if (st != NULL && (st = rjv_get(st, "stats")) != NULL) {
		const struct rjv *loss = rjv_get(st, "loss"), *c;

		if (loss != NULL) {
			/* the sensor's own accounting: what was not fully handled, by cause */
			sbuf_addf(b, "<table id=loss-causes><thead><tr><th>cause</th><th>lost"
			             "</th></tr></thead><tbody>\n<tr><td><b>total</b></td>");
			td_num(b, rjv_u64(loss, "total"));
			sbuf_adds(b, "</tr>\n");
			for (c = loss->child; c != NULL; c = c->next)
				if (c->type == RJ_NUM && c->num > 0 && strcmp(c->key, "total") != 0) {
					sbuf_adds(b, "<tr><td class=mono>");
					esc(b, c->key);
					sbuf_adds(b, "</td>");
					td_num(b, (uint64_t)c->num);
					sbuf_adds(b, "</tr>\n");
				}
			sbuf_adds(b, "</tbody></table>\n<p class=note>The <code>loss</code> section "
			             "of the final stats event: packets, segments, flows or events the "
			             "sensor did not fully handle, by cause (a <code>loss</code> event "
			             "says when).</p>\n");
		}
	}
	sbuf_adds(b, "<h3>Other limits</h3>\n<table id=loss><tbody>\n");
	if (st != NULL)
		loss_rows(&fl, st, path, 0, sizeof(path));
	sbuf_adds(b, "</tbody></table>\n");
	if (fl.shown == 0)
		sbuf_adds(b, "<p id=loss-none>Nothing was lost or refused: no capture drops, no "
		             "decode errors, no memcap refusals, no reassembly gaps.</p>\n");
	else
		sbuf_adds(b, "<p class=note>The non-zero counters of the final stats event that "
		             "say something was dropped, refused, cut, malformed or failed (the "
		             "EVE <code>stats</code> event has them all).</p>\n");
	sbuf_adds(b, "</section>\n");
}

/* The timeline: bytes of flows (spread over their lifetime) as bars, alerts as a line. */
static void
section_timeline(struct report *r, struct sbuf *b)
{
	const int W = 960, H = 200, L = 70, R = 90, T = 10, B = 30;
	uint64_t maxb = 1, maxa = 1;
	size_t i, lo, hi, n;
	double bw;

	sbuf_adds(b, "<section id=timeline><h2>Timeline</h2>\n");
	if (r->bucket_us == 0) {
		sbuf_adds(b, "<p>No traffic.</p></section>\n");
		return;
	}
	lo = report_timeline_idx(r, r->first);
	hi = report_timeline_idx(r, r->last);
	n = hi - lo + 1;
	for (i = lo; i <= hi; i++) {
		if (r->tl[i].bytes > maxb)
			maxb = r->tl[i].bytes;
		if (r->tl[i].alerts > maxa)
			maxa = r->tl[i].alerts;
	}
	bw = (double)(W - L - R) / (double)n;
	sbuf_addf(b,
	          "<svg id=timeline-svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	          "role=img aria-label=\"traffic and alerts over time\">",
	          W, H, W, H);
	sbuf_addf(b, "<line x1=%d y1=%d x2=%d y2=%d stroke=#999 />", L, H - B, W - R, H - B);
	for (i = lo; i <= hi; i++) {
		double h = (double)r->tl[i].bytes / (double)maxb * (H - T - B);

		if (r->tl[i].bytes == 0)
			continue;
		sbuf_addf(b,
		          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=#5b8def>"
		          "<title>",
		          L + (double)(i - lo) * bw, (double)(H - B) - h, bw > 1.5 ? bw - 0.5 : bw,
		          h);
		fmt_time(b, (sw_time_t)(r->base + (int64_t)i * r->bucket_us));
		sbuf_adds(b, ": ");
		fmt_bytes(b, r->tl[i].bytes);
		sbuf_addf(b, ", %llu alerts</title></rect>", (unsigned long long)r->tl[i].alerts);
	}
	sbuf_adds(b, "<polyline fill=none stroke=#d0312d stroke-width=1.5 points=\"");
	for (i = lo; i <= hi; i++)
		sbuf_addf(b, "%.1f,%.1f ", L + ((double)(i - lo) + 0.5) * bw,
		          (double)(H - B) - (double)r->tl[i].alerts / (double)maxa * (H - T - B));
	sbuf_adds(b, "\" />");
	sbuf_adds(b, "<text x=2 y=20>");
	fmt_bytes(b, maxb);
	sbuf_addf(b, "</text><text x=\"%d\" y=20 fill=#d0312d>%llu alerts</text>", W - R + 2,
	          (unsigned long long)maxa);
	sbuf_addf(b, "<text x=%d y=%d>", L, H - 8);
	fmt_time(b, (sw_time_t)(r->base + (int64_t)lo * r->bucket_us));
	sbuf_addf(b, "</text><text x=%d y=%d text-anchor=end>", W - R, H - 8);
	fmt_time(b, (sw_time_t)(r->base + (int64_t)(hi + 1) * r->bucket_us));
	sbuf_adds(b, "</text></svg>\n");
	sbuf_addf(b,
	          "<p class=note>Blue: bytes of the flows active in each interval of %.3f s "
	          "(a flow's bytes spread evenly over its lifetime; left scale: the highest bar). "
	          "Red: alerts per interval (right scale). Times UTC.</p></section>\n",
	          (double)r->bucket_us / 1e6);
}

static void
section_alerts(struct report *r, struct sbuf *b)
{
	static const char *const cols[] = {"SID",      "Signature", "Category",   "Kind",
	                                   "Severity", "Alerts",    "First seen", "Last seen",
	                                   "Example",  NULL};
	struct report_entry **v;
	size_t i, shown;
	char f[REPORT_EXTRA_MAX];

	sbuf_adds(
	    b,
	    "<section id=alerts-by-signature><h2>Alerts by signature and severity</h2>\n"
	    "<table id=severity><thead><tr><th>Severity</th><th>Alerts</th></tr></thead><tbody>");
	for (i = 1; i <= 4; i++)
		sbuf_addf(b, "<tr><td class=sev%zu>%zu</td><td class=n id=sev-%zu>%llu</td></tr>",
		          i, i, i, (unsigned long long)r->by_severity[i]);
	if (r->by_severity[0] > 0)
		sbuf_addf(b, "<tr><td>other</td><td class=n id=sev-0>%llu</td></tr>",
		          (unsigned long long)r->by_severity[0]);
	sbuf_adds(b, "</tbody></table>\n");
	v = table_rows(r, b, &r->sigs, "sigs", cols, "signatures", NULL, &shown);
	for (i = 0; i < shown; i++) {
		const struct report_entry *e = v[i];

		sbuf_addf(b, "<tr><td class=n data-v=\"%s\">%s</td>",
		          field(e->extra, 0, f, sizeof(f)), f);
		td_str(b, field(e->extra, 1, f, sizeof(f)));
		td_str(b, field(e->extra, 2, f, sizeof(f)));
		td_str(b, field(e->extra, 3, f, sizeof(f)));
		sbuf_addf(b, "<td class=\"n sev%llu\" data-v=\"%llu\">%llu</td>",
		          (unsigned long long)e->aux, (unsigned long long)e->aux,
		          (unsigned long long)e->aux);
		td_count(b, e);
		td_time(b, e->first);
		td_time(b, e->last);
		if (e->ref > 0)
			sbuf_addf(b, "<td><a href=\"#alert-%u\">alert %u</a></td></tr>\n", e->ref,
			          e->ref);
		else
			sbuf_adds(b, "<td></td></tr>\n");
	}
	table_end(b);
	free(v);
	sbuf_adds(b, "</section>\n");
}

static void
section_cti(struct report *r, struct sbuf *b)
{
	static const char *const cols[] = {
	    "Indicator", "Type", "Matched on",  "Feed", "Source",     "Confidence", "Severity",
	    "Id / name", "Tags", "Valid until", "Hits", "First seen", "Last seen",  NULL};
	struct report_entry **v;
	size_t i, k, shown;
	char f[REPORT_EXTRA_MAX];

	sbuf_adds(b, "<section id=cti-hits><h2>Threat-intelligence hits</h2>\n");
	v = table_rows(r, b, &r->cti, "cti", cols, "indicators", "No indicator matched.", &shown);
	for (i = 0; i < shown; i++) {
		sbuf_adds(b, "<tr>");
		for (k = 0; k < 9; k++) {
			if (k == 6) {
				sbuf_addf(b, "<td class=n>%llu</td>",
				          (unsigned long long)v[i]->aux);
				continue;
			}
			field(v[i]->extra, (int)(k > 6 ? k - 1 : k), f, sizeof(f));
			td_str(b, f);
		}
		td_str(b, field(v[i]->extra, 8, f, sizeof(f)));
		td_count(b, v[i]);
		td_time(b, v[i]->first);
		td_time(b, v[i]->last);
		sbuf_adds(b, "</tr>\n");
	}
	table_end(b);
	sbuf_adds(b, "<p class=note>Provenance: the feed as configured (<code>cti.feeds</code>), "
	             "the source the feed names for the indicator, and its id.</p></section>\n");
	free(v);
}

static void
section_protocols(struct report *r, struct sbuf *b)
{
	static const char *const cols[] = {"Protocol", "Category",       "Flows", "Packets",
	                                   "Bytes",    "Share of bytes", NULL};
	struct report_entry **v;
	size_t i, shown;
	uint64_t total = 0;

	sbuf_adds(b, "<section id=protocols><h2>Protocol mix (nDPI)</h2>\n");
	for (i = 0; i < r->protos.cap; i++)
		if (r->protos.e[i].used)
			total += r->protos.e[i].weight - r->protos.e[i].err;
	v = table_rows(r, b, &r->protos, "protos", cols, "protocols", "No flow ended.", &shown);
	for (i = 0; i < shown; i++) {
		double share = total > 0 ? (double)(v[i]->weight - v[i]->err) / (double)total : 0;

		td_str(b, v[i]->key);
		td_str(b, v[i]->extra);
		td_count(b, v[i]);
		td_num(b, v[i]->pkts);
		td_bytes(b, v[i]->weight - v[i]->err);
		sbuf_addf(b,
		          "<td data-v=\"%.4f\"><span class=bar style=\"width:%.0fpx\"></span> "
		          "%.1f%%</td></tr>\n",
		          share, share * 200 + 1, share * 100);
	}
	table_end(b);
	sbuf_adds(b, "<p class=note>By flow: nDPI's protocol of each ended flow (the app-layer "
	             "protocol when nDPI gave none).</p></section>\n");
	free(v);
}

static void
section_hosts(struct report *r, struct sbuf *b)
{
	static const char *const tcols[] = {"Host",           "Flows", "Packets", "Bytes sent",
	                                    "Bytes received", "Bytes", NULL};
	static const char *const ccols[] = {
	    "Client",           "Server",           "Proto", "App", "Flows", "Packets",
	    "Client to server", "Server to client", "Bytes", NULL};
	struct report_entry **v;
	size_t i, shown;
	char f[REPORT_KEY_MAX];

	sbuf_adds(b, "<section id=talkers-section><h2>Top talkers</h2>\n");
	v = table_rows(r, b, &r->talkers, "talkers", tcols, "hosts", NULL, &shown);
	for (i = 0; i < shown; i++) {
		sbuf_adds(b, "<tr><td class=mono>");
		esc(b, v[i]->key);
		sbuf_adds(b, "</td>");
		td_traffic(b, v[i]);
	}
	table_end(b);
	free(v);
	sbuf_adds(b, "</section>\n<section id=conversations><h2>Top conversations</h2>\n");
	v = table_rows(r, b, &r->convs, "convs", ccols, "conversations", NULL, &shown);
	for (i = 0; i < shown; i++) {
		sbuf_adds(b, "<tr><td class=mono>");
		esc(b, field(v[i]->key, 0, f, sizeof(f)));
		sbuf_adds(b, "</td><td class=mono>");
		esc(b, field(v[i]->key, 1, f, sizeof(f)));
		sbuf_adds(b, "</td>");
		td_str(b, field(v[i]->key, 2, f, sizeof(f)));
		td_str(b, v[i]->extra);
		td_traffic(b, v[i]);
	}
	table_end(b);
	free(v);
	sbuf_adds(b, "<p class=note>From the flow events: a conversation is a client and a server "
	             "address over one transport; hosts and conversations are ranked by bytes.</p>"
	             "</section>\n");
}

static void
section_files(struct report *r, struct sbuf *b)
{
	static const char *const cols[] = {"File name", "Size",       "Type",     "MD5",
	                                   "SHA-1",     "SHA-256",    "Protocol", "Hosts",
	                                   "Seen",      "First seen", NULL};
	struct report_entry **v;
	size_t i, k, shown;
	char f[REPORT_EXTRA_MAX];

	sbuf_adds(b, "<section id=files-section><h2>Files seen</h2>\n");
	v = table_rows(r, b, &r->filetab, "files", cols, "files", "No file transfer was seen.",
	               &shown);
	for (i = 0; i < shown; i++) {
		sbuf_adds(b, "<tr>");
		for (k = 0; k < 8; k++) {
			field(v[i]->extra, (int)k, f, sizeof(f));
			if (k == 1)
				sbuf_addf(b, "<td class=n data-v=\"%s\">%s</td>", f, f);
			else if (k >= 3 && k <= 5) {
				sbuf_adds(b, "<td class=h>");
				esc(b, f);
				sbuf_adds(b, "</td>");
			} else
				td_str(b, f);
		}
		td_count(b, v[i]);
		td_time(b, v[i]->first);
		sbuf_adds(b, "</tr>\n");
	}
	table_end(b);
	sbuf_adds(b,
	          "<p class=note>One row per content (by SHA-256): Seen counts its transfers.</p>"
	          "</section>\n");
	free(v);
}

static void
kv_row(struct sbuf *b, const char *k, const char *v)
{
	if (v == NULL)
		return;
	sbuf_adds(b, "<tr><th>");
	esc(b, k);
	sbuf_adds(b, "</th><td>");
	esc(b, v);
	sbuf_adds(b, "</td></tr>");
}

static void
endpoint(struct sbuf *b, const struct rjv *ev, const char *ip, const char *port)
{
	const char *a = rjv_str(ev, ip), *p = rjv_str(ev, port);

	esc(b, a != NULL ? a : "?");
	if (p != NULL) {
		sbuf_addc(b, strchr(a != NULL ? a : "", ':') != NULL ? ' ' : ':');
		esc(b, p);
	}
}

/* The index of the alerts shown in full, then a page (a section shown when its anchor is the
 * target) per alert. */
static void
section_alert_pages(struct report *r, struct sbuf *b, struct rjson *doc, struct rjson *fdoc)
{
	static const char *const cols[] = {"#",      "Time",        "SID", "Signature", "Severity",
	                                   "Source", "Destination", "App", "Evidence",  NULL};
	static const char *const known[] = {"timestamp",     "flow_id",    "sensor", "event_id",
	                                    "pcap_filename", "event_type", "src_ip", "src_port",
	                                    "dest_ip",       "dest_port",  "proto",  "community_id",
	                                    "app_proto",     "direction",  "alert",  "flow",
	                                    "evidence",      "cti",        "tx_id",  NULL};
	static const char *const flowskip[] = {NULL};
	size_t i;

	sbuf_addf(b,
	          "<section id=alert-list><h2>Alerts</h2>\n<p id=alerts-detail-note>%zu alerts "
	          "are shown in full (the first %zu of the run, report.alerts); %llu more are "
	          "only counted in the tables above.</p>\n",
	          r->ndetail, r->max_detail, (unsigned long long)r->alerts_summarized);
	if (sw_counter_get(&r->st.mem.refused) > 0)
		sbuf_addf(b,
		          "<p class=note id=alerts-refused>report.memcap refused to keep %llu "
		          "things (alerts in full, flow ends): raise it to see more.</p>\n",
		          (unsigned long long)sw_counter_get(&r->st.mem.refused));
	table_begin(b, "alerts", cols, r->ndetail, NULL, NULL);
	for (i = 0; i < r->ndetail; i++) {
		const struct rjv *ev;
		const char *file;

		if (report_json_parse(doc, r->detail[i].line, strlen(r->detail[i].line)) != 0)
			continue;
		ev = doc->root;
		sbuf_addf(b, "<tr><td class=n data-v=\"%zu\"><a href=\"#alert-%zu\">%zu</a></td>",
		          i + 1, i + 1, i + 1);
		td_time(b, report_parse_time(rjv_str(ev, "timestamp")));
		sbuf_addf(b, "<td class=n>%s</td>", rjv_str(ev, "alert.signature_id") ?: "");
		td_str(b, rjv_str(ev, "alert.signature"));
		sbuf_addf(b, "<td class=n>%s</td>", rjv_str(ev, "alert.severity") ?: "");
		sbuf_adds(b, "<td class=mono>");
		endpoint(b, ev, "src_ip", "src_port");
		sbuf_adds(b, "</td><td class=mono>");
		endpoint(b, ev, "dest_ip", "dest_port");
		sbuf_adds(b, "</td>");
		td_str(b, rjv_str(ev, "app_proto"));
		file = rjv_str(ev, "evidence.file");
		if (file != NULL) {
			sbuf_adds(b, "<td><a href=\"");
			if (file[0] == '/')
				sbuf_adds(b, "file://");
			esc(b, file);
			sbuf_adds(b, "\">pcap</a></td></tr>\n");
		} else {
			td_str(b, rjv_get(ev, "evidence") != NULL ? "kafka" : "");
			sbuf_adds(b, "</tr>\n");
		}
	}
	table_end(b);
	sbuf_adds(b, "</section>\n");
	for (i = 0; i < r->ndetail; i++) {
		const struct rjv *ev, *c, *evd, *flow;
		const struct report_alert *a = &r->detail[i];
		const char *fl = a->flow > 0 ? r->detail[a->flow - 1].flow_line : NULL;

		if (report_json_parse(doc, a->line, strlen(a->line)) != 0)
			continue;
		ev = doc->root;
		sbuf_addf(b, "<section class=alert-page id=\"alert-%zu\"><h2>Alert %zu: ", i + 1,
		          i + 1);
		esc(b, rjv_str(ev, "alert.signature"));
		sbuf_adds(b, "</h2><p><a href=\"#alert-list\">back to the alerts</a>");
		if (i > 0)
			sbuf_addf(b, " &middot; <a href=\"#alert-%zu\">previous</a>", i);
		if (i + 1 < r->ndetail)
			sbuf_addf(b, " &middot; <a href=\"#alert-%zu\">next</a>", i + 2);
		sbuf_adds(b, "</p>\n<h3>Alert</h3><table class=kv>");
		kv_row(b, "time", rjv_str(ev, "timestamp"));
		kv_row(b, "event_id", rjv_str(ev, "event_id"));
		if ((c = rjv_get(ev, "alert")) != NULL && c->type == RJ_OBJ) {
			sbuf_adds(b, "<tr><th>rule</th><td>");
			render_obj(b, c, 1, NULL);
			sbuf_adds(b, "</td></tr>");
		}
		if ((c = rjv_get(ev, "cti")) != NULL && c->type == RJ_OBJ) {
			sbuf_adds(b, "<tr><th>indicator</th><td>");
			render_obj(b, c, 1, NULL);
			sbuf_adds(b, "</td></tr>");
		}
		sbuf_adds(
		    b,
		    "</table>\n<h3>Flow</h3><table class=kv><tr><th>endpoints</th><td class=mono>");
		endpoint(b, ev, "src_ip", "src_port");
		sbuf_adds(b, " &rarr; ");
		endpoint(b, ev, "dest_ip", "dest_port");
		sbuf_adds(b, "</td></tr>");
		kv_row(b, "proto", rjv_str(ev, "proto"));
		kv_row(b, "app_proto", rjv_str(ev, "app_proto"));
		kv_row(b, "direction", rjv_str(ev, "direction"));
		kv_row(b, "flow_id", rjv_str(ev, "flow_id"));
		kv_row(b, "community_id", rjv_str(ev, "community_id"));
		kv_row(b, "pcap_filename", rjv_str(ev, "pcap_filename"));
		kv_row(b, "sensor", rjv_str(ev, "sensor"));
		if ((flow = rjv_get(ev, "flow")) != NULL && flow->type == RJ_OBJ) {
			sbuf_adds(b, "<tr><th>at the alert</th><td>");
			render_obj(b, flow, 1, flowskip);
			sbuf_adds(b, "</td></tr>");
		}
		if (fl != NULL && report_json_parse(fdoc, fl, strlen(fl)) == 0) {
			static const char *const parts[] = {"flow", "tcp", "stream", "ndpi", NULL};

			for (size_t k = 0; parts[k] != NULL; k++) {
				if ((c = rjv_get(fdoc->root, parts[k])) == NULL ||
				    c->type != RJ_OBJ)
					continue;
				sbuf_addf(b, "<tr><th>%s at the flow's end</th><td>", parts[k]);
				render_obj(b, c, 1, NULL);
				sbuf_adds(b, "</td></tr>");
			}
		} else {
			sbuf_adds(b,
			          "<tr><th>at the flow's end</th><td class=note>no flow event (the "
			          "flow outlived the run, or flow events are off)</td></tr>");
		}
		sbuf_adds(b, "</table>\n<h3>Evidence</h3>");
		evd = rjv_get(ev, "evidence");
		if (evd != NULL && evd->type == RJ_OBJ) {
			const char *file = rjv_str(evd, "file");

			if (file != NULL) {
				sbuf_adds(b, "<p>Packets: <a class=evidence href=\"");
				if (file[0] == '/')
					sbuf_adds(b, "file://");
				esc(b, file);
				sbuf_adds(b, "\">");
				esc(b, file);
				sbuf_adds(b, "</a></p>");
			}
			render_obj(b, evd, 1, NULL);
		} else {
			sbuf_adds(
			    b, "<p class=note>No evidence pcap: evidence capture was off for this "
			       "run.</p>");
		}
		sbuf_adds(b, "\n<h3>Application layer</h3>");
		{
			bool any = false;

			for (c = ev->child; c != NULL; c = c->next) {
				size_t k;

				for (k = 0; known[k] != NULL; k++)
					if (strcmp(known[k], c->key) == 0)
						break;
				if (known[k] != NULL)
					continue;
				sbuf_adds(b, "<h4>");
				esc(b, c->key);
				sbuf_adds(b, "</h4>");
				render_value(b, c, 1);
				any = true;
			}
			if (!any)
				sbuf_adds(
				    b,
				    "<p class=note>No app-layer message came with this alert.</p>");
		}
		sbuf_adds(b, "</section>\n");
	}
}

static void
section_about(struct report *r, struct sbuf *b)
{
	sbuf_addf(
	    b,
	    "<section id=about><h2>About this report</h2><p>Made by spanwatch " PACKAGE_VERSION
	    " from the events of the run as they were written, in bounded memory: "
	    "<span id=report-memuse>%llu</span> bytes used at the end of report.memcap's %llu "
	    "(%llu allocations refused). Tables keep their heaviest rows in fixed-size tables "
	    "(report.top: %u rows listed each); the first %zu alerts are kept in full. "
	    "%llu event lines could not be read. Times are UTC.</p></section>\n",
	    (unsigned long long)sw_counter_get(&r->st.mem.memuse),
	    (unsigned long long)r->st.mem.memcap,
	    (unsigned long long)sw_counter_get(&r->st.mem.refused), r->conf->report_top,
	    r->max_detail, (unsigned long long)r->unparsed);
}

int
report_write_html(struct report *r, FILE *fp)
{
	struct sbuf b;
	struct rjson fdoc;
	const struct rjv *st = NULL;
	size_t i;
	int err = 0;

	memset(&fdoc, 0, sizeof(fdoc));
	sbuf_init(&b);
	if ((fdoc.nodes = calloc(REPORT_NODES, sizeof(*fdoc.nodes))) == NULL) {
		err = SW_E_NOMEM;
		goto out;
	}
	fdoc.cap_nodes = REPORT_NODES;
	sbuf_adds(&b, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
	              "<meta name=viewport content=\"width=device-width\">"
	              "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
	              "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
	              "<title>spanwatch report");
	if (r->sensor[0] != '\0') {
		sbuf_adds(&b, ": ");
		esc(&b, r->sensor);
	}
	sbuf_addf(&b,
	          "</title><style>%s</style></head><body>\n<header><h1>spanwatch investigation "
	          "report</h1><p>sensor ",
	          style);
	esc(&b, r->sensor[0] != '\0' ? r->sensor : "?");
	sbuf_adds(&b, " &middot; ");
	if (r->nsources == 0)
		sbuf_adds(&b, "live capture");
	for (i = 0; i < r->nsources; i++) {
		if (i > 0)
			sbuf_adds(&b, ", ");
		esc(&b, r->sources[i]);
	}
	if (r->more_sources)
		sbuf_adds(&b, ", &hellip;");
	sbuf_adds(
	    &b,
	    "</p></header>\n<nav><a href=\"#summary\">Summary</a><a href=\"#timeline\">"
	    "Timeline</a><a href=\"#alerts-by-signature\">Signatures</a><a href=\"#cti-hits\">"
	    "CTI</a><a href=\"#protocols\">Protocols</a><a href=\"#talkers-section\">Talkers"
	    "</a><a href=\"#conversations\">Conversations</a><a href=\"#files-section\">Files"
	    "</a><a href=\"#alert-list\">Alerts</a><a href=\"#about\">About</a></nav>\n<main>\n");
	if (r->stats_line != NULL &&
	    report_json_parse(&fdoc, r->stats_line, strlen(r->stats_line)) == 0)
		st = fdoc.root;
	section_summary(r, &b, st);
	section_timeline(r, &b);
	section_alerts(r, &b);
	section_cti(r, &b);
	section_protocols(r, &b);
	section_hosts(r, &b);
	section_files(r, &b);
	section_alert_pages(r, &b, &r->doc, &fdoc);
	section_about(r, &b);
	sbuf_addf(&b, "</main>\n<script>%s</script>\n</body></html>\n", script);
	if (sbuf_failed(&b)) {
		err = SW_E_NOMEM;
		goto out;
	}
	if (fwrite(b.p, 1, b.len, fp) != b.len || fflush(fp) != 0)
		err = SW_E_IO;
out:
	free(fdoc.nodes);
	free(fdoc.str);
	sbuf_free(&b);
	return err;
}
