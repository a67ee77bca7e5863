/*
 * cmd_log.c: `kvctl log [-n N] [--first-parent] [--oneline | --graph]
 * [KEY]`.
 *
 * History from the branch head (-b: any revision), newest first, over
 * all parents as git log does; --first-parent follows first parents only.
 * With KEY, only the commits that changed KEY or anything under it.
 * Text: git's medium format, or one "ID12 SUBJECT" line per commit with
 * --oneline. JSON: an array of commit objects (docs/kvctl.md).
 *
 * --graph draws the history as `git log --graph --oneline` does. kv_log()
 * orders commits by time, and commits of equal time may come parent
 * first, so the commits it gives are first sorted topologically, in git's
 * graph order (a merge's last parent's line first, each line followed
 * down until it meets another). Then each commit takes a column: the one
 * that waits for it; its parents replace it there (the first in place,
 * the others in new columns to its right, drawn with '\'), and columns
 * that wait for the same commit then collapse into the leftmost (drawn
 * with '/'), one column a row, as git does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_COUNT, OPT_FIRST_PARENT, OPT_ONELINE, OPT_GRAPH };

static const cli_option options[] = {
        {'n', "max-count", "N", "show at most N commits"},
        {0, "first-parent", NULL, "follow only the first parent of merges"},
        {0, "oneline", NULL, "one line per commit: short id and subject"},
        {0, "graph", NULL, "draw the history as a graph, one line per commit"},
        {0, NULL, NULL, NULL}};

typedef struct {
	const cli_ctx *ctx; /* --json */
	int oneline;        /* --oneline */
	size_t count;       /* commits printed */
} log_state;

static int print_commit(const kv_commit *commit, void *payload)
{
	log_state *st = payload;
	char hex[KV_OID_HEXSZ + 1];
	const char *subject;
	size_t len;

	if (st->ctx->json) {
		fputs(st->count ? "," : "[", stdout);
		cli_commit_json_open(stdout, commit);
		putchar('}');
	} else if (st->oneline) {
		subject = cli_commit_subject(commit, &len);
		printf("%.12s %.*s\n", kv_oid_tostr(hex, kv_commit_id(commit)),
		       (int)len, subject);
	} else {
		if (st->count)
			putchar('\n');
		cli_commit_print(stdout, commit);
	}
	st->count++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* --graph                                                             */
/* ------------------------------------------------------------------ */

#define NONE SIZE_MAX

/* One commit of the graph. */
typedef struct {
	kv_oid id;       /* the commit */
	size_t parents;  /* where its parents start in graph.pids, .pidx */
	size_t nparents; /* how many parents it has there */
	char *subject;   /* first line of its message (owned) */
	size_t pending;  /* children not yet placed (topological sort) */
} graph_node;

/* The commits kv_log() gave, then their order and columns. */
typedef struct {
	graph_node *nodes;  /* in kv_log() order */
	size_t n, cap;      /* used and allocated nodes */
	kv_oid *pids;       /* parent ids of all nodes, in order */
	size_t *pidx;       /* the same parents as node indexes (NONE: not
	                       in the walk, drawn as no line) */
	size_t np, pcap;    /* used and allocated parents */
	int first_parent;   /* keep only first parents */
	size_t *cols;       /* node each column waits for */
	size_t ncols;       /* columns in use */
	size_t *next;       /* the columns being built */
	size_t *pos, *goal; /* per line: column now, column to reach */
	char *row;          /* one row of drawing */
} graph;

/* Make the array `ptr` of `*cap` items of `size` bytes hold `need`
 * items. Returns it (perhaps moved), or NULL if out of memory (`ptr` is
 * then unchanged). */
static void *grow(void *ptr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return ptr;
	while (n < need)
		n *= 2;
	if (!(q = realloc(ptr, n * size)))
		return NULL;
	*cap = n;
	return q;
}

/* A kv_commit_cb recording `commit` in the graph `payload`. */
static int graph_add(const kv_commit *commit, void *payload)
{
	graph *g = payload;
	size_t i, np = kv_commit_parentcount(commit), len;
	const char *subject = cli_commit_subject(commit, &len);
	graph_node *node;
	void *p;

	if (g->first_parent && np > 1)
		np = 1;
	if (!(p = grow(g->nodes, &g->cap, g->n + 1, sizeof(*g->nodes))))
		return -1;
	g->nodes = p;
	if (!(p = grow(g->pids, &g->pcap, g->np + np + 1, sizeof(*g->pids))))
		return -1;
	g->pids = p;
	node = &g->nodes[g->n];
	if (!(node->subject = malloc(len + 1)))
		return -1;
	memcpy(node->subject, subject, len);
	node->subject[len] = '\0';
	node->id = *kv_commit_id(commit);
	node->parents = g->np;
	node->nparents = np;
	node->pending = 0;
	for (i = 0; i < np; i++)
		g->pids[g->np++] = *kv_commit_parent_id(commit, i);
	g->n++;
	return 0;
}

/* An id and the node that has it, sorted by id to find parents. */
typedef struct {
	kv_oid id;
	size_t node;
} id_index;

static int id_index_cmp(const void *a, const void *b)
{
	return memcmp(((const id_index *)a)->id.id,
	              ((const id_index *)b)->id.id, sizeof(kv_oid));
}

/* Turn parent ids into node indexes and count each node's children.
 * @return 0 or -1 (out of memory) */
static int graph_link(graph *g)
{
	id_index *ix = malloc((g->n ? g->n : 1) * sizeof(*ix)), key, *hit;
	size_t i;

	if (!ix || !(g->pidx = malloc((g->np ? g->np : 1) * sizeof(size_t)))) {
		free(ix);
		return -1;
	}
	for (i = 0; i < g->n; i++) {
		ix[i].id = g->nodes[i].id;
		ix[i].node = i;
	}
	qsort(ix, g->n, sizeof(*ix), id_index_cmp);
	for (i = 0; i < g->np; i++) {
		key.id = g->pids[i];
		hit = bsearch(&key, ix, g->n, sizeof(*ix), id_index_cmp);
		g->pidx[i] = hit ? hit->node : NONE;
		if (hit)
			g->nodes[hit->node].pending++;
	}
	free(ix);
	return 0;
}

/*
 * Order the nodes as git's --graph does (--topo-order): every commit
 * after all its children; a stack of the commits whose children are all
 * placed, so that each line of history is followed down before the next.
 * `order` receives the n node indexes. @return 0 or -1
 */
static int graph_sort(graph *g, size_t *order)
{
	size_t *stack = malloc((g->n ? g->n : 1) * sizeof(*stack));
	size_t i, top = 0, done = 0;

	if (!stack)
		return -1;
	for (i = g->n; i-- > 0;)
		if (g->nodes[i].pending == 0)
			stack[top++] = i;
	while (top > 0) {
		const graph_node *node = &g->nodes[stack[--top]];

		order[done++] = (size_t)(node - g->nodes);
		for (i = 0; i < node->nparents; i++) {
			size_t p = g->pidx[node->parents + i];

			if (p != NONE && --g->nodes[p].pending == 0)
				stack[top++] = p;
		}
	}
	free(stack);
	return done == g->n ? 0 : -1; /* a cycle cannot happen in a DAG */
}

/* Draw the lines that move from g->pos[k] to g->goal[k] (k < n), one
 * column a row: '|' stays, '\\' goes right, '/' goes left. */
static void graph_move(graph *g, size_t n)
{
	size_t k, width;
	int moved = 1;

	while (moved) {
		moved = 0;
		width = 0;
		memset(g->row, ' ', 2 * (g->ncols + n) + 2);
		for (k = 0; k < n; k++) {
			size_t p = g->pos[k];

			if (p < g->goal[k]) {
				g->row[2 * p + 1] = '\\';
				g->pos[k]++;
				moved = 1;
			} else if (p > g->goal[k]) {
				g->row[2 * p - 1] = '/';
				g->pos[k]--;
				moved = 1;
			} else {
				g->row[2 * p] = '|';
			}
			if (2 * p + 2 > width)
				width = 2 * p + 2;
		}
		while (width > 0 && g->row[width - 1] == ' ')
			width--;
		if (moved)
			printf("%.*s\n", (int)width, g->row);
	}
}

/* Print the row of node `c` in column `at` of `ncols` columns, padded
 * to `width` columns of drawing, then its id and subject. */
static void graph_commit_row(graph *g, size_t c, size_t at, size_t width)
{
	char hex[KV_OID_HEXSZ + 1];
	size_t k;

	memset(g->row, ' ', 2 * width);
	for (k = 0; k < g->ncols; k++)
		g->row[2 * k] = k == at ? '*' : '|';
	printf("%.*s%.12s %s\n", (int)(2 * width), g->row,
	       kv_oid_tostr(hex, &g->nodes[c].id), g->nodes[c].subject);
}

/* Draw node `c`: its row, its parents taking its column, then columns
 * that wait for the same commit collapsing into the leftmost. `last`:
 * draw no lines below it. */
static void graph_draw(graph *g, size_t c, int last)
{
	const graph_node *node = &g->nodes[c];
	size_t k, j, at, n = 0;

	for (at = 0; at < g->ncols && g->cols[at] != c; at++)
		;
	if (at == g->ncols)
		g->cols[g->ncols++] = c; /* a new line starts here */
	/* The columns after it: its parents where it was. */
	for (k = 0; k < g->ncols; k++) {
		if (k != at) {
			g->pos[n] = k;
			g->goal[n] = n; /* shifted by the parents before it */
			g->next[n++] = g->cols[k];
			continue;
		}
		for (j = 0; j < node->nparents; j++) {
			if (g->pidx[node->parents + j] == NONE)
				continue;
			g->pos[n] = at;
			g->goal[n] = n;
			g->next[n++] = g->pidx[node->parents + j];
		}
	}
	graph_commit_row(g, c, at, g->ncols > n ? g->ncols : n);
	if (last)
		return;
	graph_move(g, n);
	/* Collapse: each column goes to the first that waits for the same. */
	g->ncols = 0;
	for (k = 0; k < n; k++) {
		for (j = 0; j < g->ncols && g->cols[j] != g->next[k]; j++)
			;
		if (j == g->ncols)
			g->cols[g->ncols++] = g->next[k];
		g->pos[k] = k;
		g->goal[k] = j;
	}
	graph_move(g, n);
}

static void graph_dispose(graph *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->nodes[i].subject);
	free(g->nodes);
	free(g->pids);
	free(g->pidx);
	free(g->cols);
	free(g->next);
	free(g->pos);
	free(g->goal);
	free(g->row);
}

/* `log --graph`: walk the whole history, sort it, draw at most `limit`
 * commits (0: all). */
static int run_graph(cli_ctx *ctx, kv_log_options *opts, size_t limit)
{
	graph g;
	size_t i, *order = NULL, max, count;
	int rc;

	memset(&g, 0, sizeof(g));
	g.first_parent = (opts->flags & KV_LOG_FIRST_PARENT) != 0;
	opts->limit = 0; /* the order needs every commit */
	rc = cli_branch_unborn(ctx) ? 0
	                            : kv_log(ctx->store, opts, graph_add, &g);
	if (rc < 0 && rc != KV_EUSER) {
		graph_dispose(&g);
		return cli_fail(rc);
	}
	/* Columns: at most one per parent link, plus the tip. */
	max = g.np + 2;
	if (rc == KV_EUSER || graph_link(&g) ||
	    !(order = malloc((g.n ? g.n : 1) * sizeof(*order))) ||
	    !(g.cols = malloc(max * sizeof(size_t))) ||
	    !(g.next = malloc(max * sizeof(size_t))) ||
	    !(g.pos = malloc(max * sizeof(size_t))) ||
	    !(g.goal = malloc(max * sizeof(size_t))) ||
	    !(g.row = malloc(4 * max + 4)) || graph_sort(&g, order)) {
		free(order);
		graph_dispose(&g);
		return cli_error(CLI_EXIT_ERROR, "log --graph: out of memory");
	}
	count = limit && limit < g.n ? limit : g.n;
	for (i = 0; i < count; i++)
		graph_draw(&g, order[i], i + 1 == count);
	free(order);
	graph_dispose(&g);
	return CLI_EXIT_OK;
}

static int run(cli_ctx *ctx, const cli_args *args)
{
	log_state st = {ctx, args->count[OPT_ONELINE] > 0, 0};
	kv_log_options opts;
	int rc;

	if (args->count[OPT_GRAPH] && (ctx->json || args->argc > 0))
		return cli_usage_error(&cli_cmd_log, "--graph takes neither "
		                                     "--json nor KEY");
	kv_log_options_init(&opts, KV_LOG_OPTIONS_VERSION);
	if (args->value[OPT_COUNT] &&
	    cli_parse_count(&opts.limit, args->value[OPT_COUNT]) != 0)
		return cli_usage_error(&cli_cmd_log, "bad count '%s'",
		                       args->value[OPT_COUNT]);
	if (args->value[OPT_COUNT] && opts.limit == 0) {
		/* -n 0 shows nothing; to kv_log() a 0 limit means none */
		if (ctx->json)
			printf("[]\n");
		return CLI_EXIT_OK;
	}
	if (args->count[OPT_FIRST_PARENT])
		opts.flags |= KV_LOG_FIRST_PARENT;
	opts.rev = ctx->branch;
	opts.key = cli_path_operand(args, 0);
	if (args->count[OPT_GRAPH])
		return run_graph(ctx, &opts, opts.limit);
	/* A new store has no history yet: show none rather than fail. */
	rc = cli_branch_unborn(ctx)
	             ? 0
	             : kv_log(ctx->store, &opts, print_commit, &st);
	if (rc < 0)
		return cli_fail(rc);
	if (ctx->json)
		printf("%s]\n", st.count ? "" : "[");
	return CLI_EXIT_OK;
}

const cli_command cli_cmd_log = {
        "log",
        run,
        "[KEY]",
        "show the history",
        "Show the commits of the branch, newest first (all parents, as git "
        "log does).\nWith KEY, only the commits that changed KEY or anything "
        "under it. --graph draws\nthe history as `git log --graph --oneline` "
        "does, parents below their children.",
        options,
        0,
        1,
        CLI_NEEDS_STORE};
