/*
 * conflicts.c: printing the conflicting keys of a merge or a revert, as
 * text lines or as a JSON array (docs/kvctl.md, "merge").
 */
#include "cli.h"

/* The name of a conflict kind, as git names them where it has one. */
static const char *kind_name(kv_conflict_kind kind)
{
	switch (kind) {
	case KV_CONFLICT_CONTENT:
		return "content";
	case KV_CONFLICT_ADD_ADD:
		return "add/add";
	case KV_CONFLICT_MODIFY_DELETE:
		return "modify/delete";
	case KV_CONFLICT_VALUE_DIR:
		return "value/directory";
	}
	return "unknown";
}

/* One conflict as a JSON object. */
static void conflict_json(const kv_conflict *c)
{
	fputs("{\"key\":", stdout);
	cli_json_cstr(stdout, c->key);
	fputs(",\"kind\":", stdout);
	cli_json_cstr(stdout, kind_name(c->kind));
	fputs(",\"strategy\":", stdout);
	cli_json_cstr(stdout, c->strategy);
	fputs(",\"reason\":", stdout);
	cli_json_cstr(stdout, c->reason);
	fputs(",\"base\":", stdout);
	cli_json_oid(stdout, &c->base);
	fputs(",\"ours\":", stdout);
	cli_json_oid(stdout, &c->ours);
	fputs(",\"theirs\":", stdout);
	cli_json_oid(stdout, &c->theirs);
	putchar('}');
}

void cli_conflicts_json(const kv_merge_result *r)
{
	size_t i, n = kv_merge_result_conflictcount(r);

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i)
			putchar(',');
		conflict_json(kv_merge_result_conflict(r, i));
	}
	putchar(']');
}

void cli_conflicts_print(const kv_merge_result *r)
{
	size_t i, n = kv_merge_result_conflictcount(r);

	for (i = 0; i < n; i++) {
		const kv_conflict *c = kv_merge_result_conflict(r, i);

		printf("CONFLICT (%s): %s [%s] %s\n", kind_name(c->kind),
		       c->key, c->strategy ? c->strategy : "default",
		       c->reason ? c->reason : "cannot merge");
	}
}
