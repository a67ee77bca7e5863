#!/bin/sh
# kvctl merge, merge-base, revert, diff --stat and log --graph.
. "$(dirname "$0")/lib.sh"

# tip BRANCH: the commit id BRANCH points at.
tip() {
	kvctl rev-parse "$1"
}

# short ID: the 12 hex digits kvctl prints in text.
short() {
	echo "$1" | cut -c1-12
}

# blob_id VALUE: the git id of the value VALUE (as printf '%s' writes it).
blob_id() {
	printf '%s' "$1" | git hash-object --stdin
}

# fork NAME...: (re)create each branch NAME at main's head.
fork() {
	for b in "$@"; do
		kvctl branch -f "$b" main >/dev/null || return 1
	done
}

# A tiny CBOR codec for maps of text to int (and nested maps), with no
# module beyond the standard library: `cbor.py enc PYEXPR` writes the
# canonical encoding (keys sorted by their encoded bytes); `cbor.py dec
# PYEXPR` reads CBOR on stdin and succeeds if it decodes, as the whole
# input, to PYEXPR and is canonical.
cat >cbor.py <<'EOF'
import sys
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, 'big')
def enc(v):
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    items = sorted((enc(k), enc(x)) for k, x in v.items())
    return head(5, len(items)) + b''.join(k + x for k, x in items)
def dec(b, i):
    major, info = b[i] >> 5, b[i] & 31
    i += 1
    if info < 24:
        n = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        n = int.from_bytes(b[i:i + size], 'big')
        i += size
    if major == 0: return n, i
    if major == 1: return -1 - n, i
    if major == 3: return b[i:i + n].decode(), i + n
    if major == 5:
        d = {}
        for _ in range(n):
            k, i = dec(b, i)
            d[k], i = dec(b, i)
        return d, i
    raise ValueError('unexpected major type %d' % major)
if sys.argv[1] == 'enc':
    sys.stdout.buffer.write(enc(eval(sys.argv[2])))
    sys.exit(0)
data = sys.stdin.buffer.read()
v, end = dec(data, 0)
print(v)
sys.exit(0 if end == len(data) and v == eval(sys.argv[2]) and
         data == enc(v) else 1)
EOF

test_expect_success 'setup: a store with one commit and a branch' '
	kvctl init >/dev/null &&
	kvctl set -m base a 1 >/dev/null &&
	kvctl branch side >/dev/null
'

test_expect_success 'fast-forward: main moves to side, no new commit' '
	kvctl -b side set -m "side b" b 2 >/dev/null &&
	kvctl merge side >out &&
	test "$(cat out)" = "Fast-forward to $(short "$(tip side)")" &&
	test "$(tip main)" = "$(tip side)" &&
	test "$(kvctl get b)" = 2
'

test_expect_success 'already merged: up to date, exit 0' '
	before=$(tip main) &&
	kvctl merge side >out &&
	test "$(cat out)" = "Already up to date." &&
	test "$(tip main)" = "$before" &&
	kvctl --json merge side >out &&
	json_ok "d == {\"status\": \"up-to-date\", \"commit\": \"$before\", \"tree\": \"$(kvctl rev-parse "main^{tree}")\", \"conflicts\": []}" <out
'

test_expect_success 'merge --json of a fast-forward' '
	kvctl -b side set -m "side c" c 3 >/dev/null &&
	kvctl --json merge side >out &&
	json_ok "d[\"status\"] == \"fast-forward\" and d[\"commit\"] == \"$(tip side)\" and d[\"conflicts\"] == []" <out &&
	json_ok "d[\"tree\"] == \"$(kvctl rev-parse "side^{tree}")\"" <out
'

test_expect_success '--no-ff: a merge commit with two parents, main first' '
	kvctl -b side set -m "side d" d 4 >/dev/null &&
	before=$(tip main) && theirs=$(tip side) &&
	kvctl merge --no-ff side >out &&
	merge=$(tip main) &&
	test "$(cat out)" = "Merged side into main: $(short "$merge")" &&
	kvctl --json show main >out &&
	json_ok "d[\"parents\"] == [\"$before\", \"$theirs\"]" <out &&
	json_ok "d[\"message\"] == \"Merge side into main\\n\"" <out &&
	json_ok "[(c[\"status\"], c[\"key\"]) for c in d[\"changes\"]] == [(\"A\", \"d\")]" <out &&
	kvctl show >out && grep "^Merge: $(short "$before") $(short "$theirs")$" out &&
	kvctl --json log -n 1 | json_ok "len(d[0][\"parents\"]) == 2" &&
	test "$(kvctl rev-parse main^2)" = "$theirs"
'

test_expect_success '--ff-only refuses a true merge: exit 3, head unchanged' '
	kvctl set -m "main e" e 5 >/dev/null &&
	kvctl -b side set -m "side f" f 6 >/dev/null &&
	before=$(tip main) &&
	test_expect_code 3 kvctl merge --ff-only side >out 2>err &&
	test ! -s out &&
	grep "^kvctl: .*fast-forward" err &&
	test "$(tip main)" = "$before" &&
	test_expect_code 3 kvctl --json merge --ff-only side >out 2>err &&
	json_ok "d == {\"status\": \"not-fast-forward\", \"commit\": None, \"tree\": None, \"conflicts\": []}" <out &&
	test "$(tip main)" = "$before"
'

test_expect_success '--ff-only fast-forwards when it can' '
	fork ffo &&
	kvctl -b ffo set -m "ffo g" g 7 >/dev/null &&
	kvctl merge --ff-only ffo >out &&
	grep "^Fast-forward to " out &&
	test "$(tip main)" = "$(tip ffo)"
'

test_expect_success '--no-ff and --ff-only together: usage error' '
	test_expect_code 2 kvctl merge --no-ff --ff-only side 2>err &&
	test_expect_code 2 kvctl merge 2>err &&
	test_expect_code 2 kvctl merge a b 2>err
'

test_expect_success 'a clean true merge: both sides, two parents, -m and --author' '
	before=$(tip main) && theirs=$(tip side) &&
	kvctl merge -m "join side" --author "Grace Hopper <grace@example.org>" \
		--date "2024-02-02T00:00:00Z" side >out &&
	merge=$(tip main) &&
	test "$(cat out)" = "Merged side into main: $(short "$merge")" &&
	test "$(kvctl get e)" = 5 && test "$(kvctl get f)" = 6 &&
	test "$(kvctl get g)" = 7 &&
	kvctl --json log -n 1 >out &&
	json_ok "d[0][\"parents\"] == [\"$before\", \"$theirs\"]" <out &&
	json_ok "d[0][\"message\"] == \"join side\\n\"" <out &&
	json_ok "d[0][\"author\"][\"name\"] == \"Grace Hopper\" and d[0][\"author\"][\"time\"] == 1706832000" <out &&
	kvctl fsck >/dev/null
'

test_expect_success 'merge --into, and -b, choose the branch merged into' '
	fork into1 into2 &&
	kvctl -b into1 set -m "into1 h" h 8 >/dev/null &&
	main=$(tip main) &&
	kvctl merge into1 --into into2 >out &&
	grep "^Fast-forward to " out &&
	test "$(tip into2)" = "$(tip into1)" && test "$(tip main)" = "$main" &&
	kvctl -b into1 set -m "into1 i" i 9 >/dev/null &&
	kvctl -b into2 merge into1 >out && grep "^Fast-forward to " out &&
	test "$(tip into2)" = "$(tip into1)" && test "$(tip main)" = "$main"
'

test_expect_success 'absent revision or branch: exit 1, nothing changed' '
	main=$(tip main) &&
	test_expect_code 1 kvctl merge nosuch 2>err && grep "^kvctl: " err &&
	test_expect_code 1 kvctl merge side --into nosuch 2>err &&
	test "$(tip main)" = "$main"
'

test_expect_success 'setup: two branches that conflict in every way' '
	fork c1 &&
	printf "base" | kvctl -b c1 set k1 - >/dev/null &&
	printf "base" | kvctl -b c1 set k2 - >/dev/null &&
	kvctl -b c1 set dir/v 1 >/dev/null &&
	kvctl -b c1 set same 0 >/dev/null &&
	kvctl branch -f c2 c1 >/dev/null &&
	kvctl -b c1 batch -m ours >/dev/null <<-EOF &&
	set k1 ours
	rm k2
	set new ours
	set dir ours
	set only-ours 1
	EOF
	kvctl -b c2 batch -m theirs >/dev/null <<-EOF
	set k1 theirs
	set k2 changed
	set new theirs
	set dir/w 2
	set only-theirs 1
	EOF
'

test_expect_success 'conflict: exit 3, one line per key, nothing changed' '
	c1=$(tip c1) && c2=$(tip c2) &&
	test_expect_code 3 kvctl merge c2 --into c1 >out 2>err &&
	cat >want <<-EOF &&
	CONFLICT (value/directory): dir [default] a value on one side, a directory on the other
	CONFLICT (content): k1 [default] both sides changed the value
	CONFLICT (modify/delete): k2 [default] one side changed the value, the other removed it
	CONFLICT (add/add): new [default] both sides added different values
	EOF
	test_cmp want out &&
	grep "^kvctl: merge conflict in 4 keys" err &&
	test "$(tip c1)" = "$c1" && test "$(tip c2)" = "$c2" &&
	test "$(kvctl -b c1 get k1)" = ours &&
	test_expect_code 1 kvctl -b c1 get only-theirs &&
	kvctl fsck >/dev/null
'

test_expect_success 'conflict --json: every key, kind, strategy and the three ids' '
	test_expect_code 3 kvctl --json merge c2 --into c1 >out 2>err &&
	json_ok "d[\"status\"] == \"conflict\" and d[\"commit\"] is None and d[\"tree\"] is None" <out &&
	json_ok "[(c[\"key\"], c[\"kind\"]) for c in d[\"conflicts\"]] == [(\"dir\", \"value/directory\"), (\"k1\", \"content\"), (\"k2\", \"modify/delete\"), (\"new\", \"add/add\")]" <out &&
	json_ok "all(set(c) >= {\"key\", \"kind\", \"strategy\", \"reason\", \"base\", \"ours\", \"theirs\"} and c[\"strategy\"] == \"default\" and c[\"reason\"] for c in d[\"conflicts\"])" <out &&
	json_ok "d[\"conflicts\"][1][\"base\"] == \"$(blob_id base)\" and d[\"conflicts\"][1][\"ours\"] == \"$(blob_id ours)\" and d[\"conflicts\"][1][\"theirs\"] == \"$(blob_id theirs)\"" <out &&
	json_ok "d[\"conflicts\"][2][\"ours\"] is None and d[\"conflicts\"][2][\"theirs\"] == \"$(blob_id changed)\"" <out &&
	json_ok "d[\"conflicts\"][3][\"base\"] is None and d[\"conflicts\"][3][\"ours\"] == \"$(blob_id ours)\"" <out &&
	dir=$(kvctl -b c2 --json ls | json_get "[e[\"id\"] for e in d if e[\"name\"] == \"dir\"][0]") &&
	json_ok "d[\"conflicts\"][0][\"ours\"] == \"$(blob_id ours)\" and d[\"conflicts\"][0][\"theirs\"] == \"$dir\"" <out
'

test_expect_success 'unknown strategy: exit 4 with the library message' '
	c1=$(tip c1) &&
	test_expect_code 4 kvctl merge c2 --into c1 --strategy bogus >out 2>err &&
	grep "^kvctl: unknown merge strategy .bogus." err && test ! -s out &&
	test "$(tip c1)" = "$c1"
'

test_expect_success 'setup: branches that conflict on values only' '
	fork v0 &&
	kvctl -b v0 set k base >/dev/null &&
	kvctl -b v0 set gone base >/dev/null &&
	kvctl branch v1 v0 >/dev/null && kvctl branch v2 v0 >/dev/null &&
	kvctl -b v1 set k ours >/dev/null && kvctl -b v1 rm gone >/dev/null &&
	kvctl -b v2 set k theirs >/dev/null &&
	kvctl -b v2 set gone changed >/dev/null &&
	kvctl branch s1 v1 >/dev/null && kvctl branch s2 v1 >/dev/null
'

test_expect_success '--strategy ours and theirs settle every value' '
	kvctl merge v2 --into s1 --strategy ours >out &&
	grep "^Merged v2 into s1: " out &&
	test "$(kvctl -b s1 get k)" = ours &&
	test_expect_code 1 kvctl -b s1 get gone &&
	kvctl merge v2 --into s2 --strategy theirs >out &&
	test "$(kvctl -b s2 get k)" = theirs &&
	test "$(kvctl -b s2 get gone)" = changed &&
	test "$(kvctl rev-parse s2^2)" = "$(tip v2)"
'

test_expect_success '.kvattributes counter: increments from both sides add up' '
	fork n0 &&
	printf "counters/** merge=counter\nhits merge=counter\n" |
		kvctl -b n0 set .kvattributes - >/dev/null &&
	kvctl -b n0 set counters/visits 10 >/dev/null &&
	kvctl -b n0 set hits 100 >/dev/null &&
	kvctl branch n1 n0 >/dev/null && kvctl branch n2 n0 >/dev/null &&
	kvctl -b n1 set counters/visits 15 >/dev/null &&
	kvctl -b n2 set counters/visits 17 >/dev/null &&
	kvctl -b n1 set -m "n1 +1" hits 101 >/dev/null &&
	kvctl -b n2 set -m "n2 +1" hits 101 >/dev/null &&
	kvctl -b n2 set counters/new 5 >/dev/null &&
	kvctl merge n2 --into n1 >out && grep "^Merged n2 into n1: " out &&
	test "$(kvctl -b n1 get counters/visits)" = 22 &&
	test "$(kvctl -b n1 get hits)" = 102 &&
	test "$(kvctl -b n1 get counters/new)" = 5
'

test_expect_success '.kvattributes counter: a value that is not a number conflicts' '
	kvctl branch n3 n0 >/dev/null && kvctl branch n4 n0 >/dev/null &&
	kvctl -b n3 set counters/visits 11 >/dev/null &&
	kvctl -b n4 set counters/visits many >/dev/null &&
	test_expect_code 3 kvctl merge n4 --into n3 >out 2>err &&
	grep "^CONFLICT (content): counters/visits \[counter\] " out
'

test_expect_success '.kvattributes lines: additions and removals from both sides' '
	fork l0 &&
	printf "lists/* merge=lines\n" | kvctl -b l0 set .kvattributes - >/dev/null &&
	printf "apple\nbanana\ncherry\n" | kvctl -b l0 set lists/fruit - >/dev/null &&
	kvctl branch l1 l0 >/dev/null && kvctl branch l2 l0 >/dev/null &&
	printf "apple\ncherry\ndate\n" | kvctl -b l1 set lists/fruit - >/dev/null &&
	printf "apple\nbanana\ncherry\nelder\n" | kvctl -b l2 set lists/fruit - >/dev/null &&
	kvctl merge l2 --into l1 >out && grep "^Merged l2 into l1: " out &&
	printf "apple\ncherry\ndate\nelder\n" >want &&
	kvctl -b l1 get lists/fruit >got && test_cmp want got
'

test_expect_success '.kvattributes cbor: maps merged key by key, canonical' '
	fork m0 &&
	printf "*.cbor merge=cbor\n" | kvctl -b m0 set .kvattributes - >/dev/null &&
	python3 cbor.py enc "{\"a\": 1, \"b\": 2, \"n\": {\"x\": 1}}" |
		kvctl -b m0 set conf/m.cbor - >/dev/null &&
	kvctl branch m1 m0 >/dev/null && kvctl branch m2 m0 >/dev/null &&
	python3 cbor.py enc "{\"a\": 1, \"b\": 3, \"n\": {\"x\": 1, \"y\": 2}}" |
		kvctl -b m1 set conf/m.cbor - >/dev/null &&
	python3 cbor.py enc "{\"a\": 5, \"b\": 2, \"c\": -7, \"n\": {\"x\": 1, \"z\": 300}}" |
		kvctl -b m2 set conf/m.cbor - >/dev/null &&
	kvctl merge m2 --into m1 >out && grep "^Merged m2 into m1: " out &&
	kvctl -b m1 get conf/m.cbor |
		python3 cbor.py dec "{\"a\": 5, \"b\": 3, \"c\": -7, \"n\": {\"x\": 1, \"y\": 2, \"z\": 300}}"
'

test_expect_success '.kvattributes cbor: the same map key changed on both sides conflicts' '
	kvctl branch m3 m0 >/dev/null && kvctl branch m4 m0 >/dev/null &&
	python3 cbor.py enc "{\"a\": 2, \"b\": 2, \"n\": {\"x\": 1}}" |
		kvctl -b m3 set conf/m.cbor - >/dev/null &&
	python3 cbor.py enc "{\"a\": 3, \"b\": 2, \"n\": {\"x\": 1}}" |
		kvctl -b m4 set conf/m.cbor - >/dev/null &&
	test_expect_code 3 kvctl --json merge m4 --into m3 >out 2>err &&
	json_ok "[(c[\"key\"], c[\"strategy\"]) for c in d[\"conflicts\"]] == [(\"conf/m.cbor\", \"cbor\")]" <out
'

test_expect_success 'merge-base: the fork point, and a branch that contains the other' '
	fork mb1 mb2 && fork_point=$(tip main) &&
	kvctl -b mb1 set -m mb1 x 1 >/dev/null &&
	kvctl -b mb2 set -m mb2 y 1 >/dev/null &&
	test "$(kvctl merge-base mb1 mb2)" = "$fork_point" &&
	test "$(kvctl merge-base mb1 main)" = "$fork_point" &&
	test "$(kvctl merge-base mb1 mb1)" = "$(tip mb1)" &&
	kvctl --json merge-base mb1 mb2 | json_ok "d == {\"bases\": [\"$fork_point\"]}"
'

test_expect_success 'merge-base --all: a criss-cross history has two bases' '
	x1=$(tip mb1) && y1=$(tip mb2) &&
	kvctl merge mb2 --into mb1 >/dev/null &&
	kvctl merge "$x1" --into mb2 >/dev/null &&
	test "$(kvctl rev-parse mb1^2)" = "$y1" &&
	test "$(kvctl rev-parse mb2^2)" = "$x1" &&
	kvctl merge-base --all mb1 mb2 | sort >got &&
	printf "%s\n%s\n" "$x1" "$y1" | sort >want && test_cmp want got &&
	kvctl merge-base mb1 mb2 >got && test "$(wc -l <got)" -eq 1 &&
	grep -q "$(cat got)" want &&
	kvctl --json merge-base --all mb1 mb2 | json_ok "sorted(d[\"bases\"]) == sorted([\"$x1\", \"$y1\"])"
'

test_expect_success 'criss-cross: the next merge uses a virtual base and is clean' '
	kvctl -b mb1 set -m "mb1 again" x 2 >/dev/null &&
	kvctl -b mb2 set -m "mb2 again" y 2 >/dev/null &&
	kvctl merge mb2 --into mb1 >out && grep "^Merged mb2 into mb1: " out &&
	test "$(kvctl -b mb1 get x)" = 2 && test "$(kvctl -b mb1 get y)" = 2
'

test_expect_success 'merge-base: unrelated histories exit 1; their merge is clean' '
	mkdir unrelated && (
		cd unrelated && kvctl init >/dev/null &&
		kvctl set -m one a 1 >/dev/null && kvctl branch old >/dev/null &&
		kvctl branch -d main >/dev/null &&
		kvctl set -m "new root" b 2 >/dev/null &&
		test_expect_code 1 kvctl merge-base main old >out 2>err &&
		test ! -s out && grep "^kvctl: .*no common ancestor" err &&
		test_expect_code 1 kvctl --json merge-base main old >out 2>err &&
		json_ok "d == {\"bases\": []}" <out &&
		kvctl merge old >out && grep "^Merged old into main: " out &&
		test "$(kvctl get a)" = 1 && test "$(kvctl get b)" = 2
	)
'

test_expect_success 'merge-base: absent revision exits 1; one operand is a usage error' '
	test_expect_code 1 kvctl merge-base main nosuch 2>err &&
	test_expect_code 2 kvctl merge-base main 2>err
'

test_expect_success 'revert: a new commit that undoes one commit' '
	fork r &&
	kvctl -b r set -m "add r1" r1 1 >/dev/null &&
	kvctl -b r set -m "add r2" r2 2 >/dev/null &&
	target=$(kvctl rev-parse r~1) &&
	kvctl -b r revert r~1 >out &&
	test "$(cat out)" = "[r $(short "$(tip r)")] Revert \"add r1\"" &&
	test_expect_code 1 kvctl -b r get r1 && test "$(kvctl -b r get r2)" = 2 &&
	kvctl -b r --json show r >out &&
	json_ok "d[\"message\"] == \"Revert \\\"add r1\\\"\\n\\nThis reverts commit $target.\\n\"" <out &&
	json_ok "[(c[\"status\"], c[\"key\"]) for c in d[\"changes\"]] == [(\"D\", \"r1\")]" <out
'

test_expect_success 'revert: already undone makes no commit; -m sets the message' '
	before=$(tip r) &&
	kvctl -b r revert r~2 >out && test ! -s out && test "$(tip r)" = "$before" &&
	kvctl -b r --json revert r~2 | json_ok "d == {\"commit\": \"$before\", \"changed\": False}" &&
	kvctl -b r revert -m "undo r2" r~1 >out &&
	test "$(kvctl -b r log -n 1 --oneline)" = "$(short "$(tip r)") undo r2" &&
	test_expect_code 1 kvctl -b r get r2
'

test_expect_success 'revert: a conflict with later changes exits 3, nothing changed' '
	kvctl -b r set -m "r3 one" r3 one >/dev/null &&
	kvctl -b r set -m "r3 two" r3 two >/dev/null &&
	before=$(tip r) &&
	test_expect_code 3 kvctl -b r revert r~1 >out 2>err &&
	grep "^kvctl: merge conflict in 1 key, first: r3" err &&
	grep "^kvctl: nothing changed: revert r~1 by hand" err &&
	grep -x "CONFLICT (modify/delete): r3 \[default\] .*" out &&
	test "$(wc -l <out)" -eq 1 &&
	test "$(tip r)" = "$before" &&
	test_expect_code 3 kvctl -b r --json revert r~1 >out 2>/dev/null &&
	json_ok "d[\"commit\"] is None and d[\"changed\"] is False" <out &&
	json_ok "[c[\"key\"] for c in d[\"conflicts\"]] == [\"r3\"]" <out &&
	json_ok "d[\"conflicts\"][0][\"kind\"] == \"modify/delete\"" <out &&
	json_ok "d[\"conflicts\"][0][\"theirs\"] is None" <out &&
	test "$(tip r)" = "$before" &&
	test_expect_code 1 kvctl -b r revert nosuch 2>err &&
	test_expect_code 1 kvctl -b nosuch revert r~1 2>err
'

test_expect_success 'diff --stat: added, removed and modified counts' '
	fork ds &&
	kvctl -b ds batch >/dev/null <<-EOF &&
	set s/one 1
	set s/two 2
	set s/three 3
	EOF
	kvctl -b ds batch >/dev/null <<-EOF &&
	set s/one 11
	rm s/two
	set s/four 4
	set s/five 5
	EOF
	kvctl diff --stat ds~1 ds >got &&
	echo "4 keys changed, 2 added, 1 removed, 1 modified" >want &&
	test_cmp want got &&
	kvctl --json diff --stat ds~1 ds >out &&
	json_ok "d == {\"keys\": 4, \"added\": 2, \"removed\": 1, \"modified\": 1}" <out &&
	kvctl diff --stat ds~1..ds >got && test_cmp want got &&
	kvctl diff ds~1 ds --stat >got && test_cmp want got &&
	kvctl diff --stat ds ds >got &&
	echo "0 keys changed, 0 added, 0 removed, 0 modified" >want &&
	test_cmp want got &&
	kvctl diff --stat ds~1 ds~2 | grep "^3 keys changed, 0 added, 3 removed, 0 modified$" &&
	test_expect_code 1 kvctl diff --stat nosuch ds 2>err
'

test_expect_success 'diff --json lists the added, removed and modified keys' '
	kvctl --json diff ds~1 ds >out &&
	json_ok "sorted((c[\"status\"], c[\"key\"]) for c in d) == [(\"A\", \"s/five\"), (\"A\", \"s/four\"), (\"D\", \"s/two\"), (\"M\", \"s/one\")]" <out
'

# graph_shape ARGS...: `kvctl log --graph ARGS` with each commit id as ID.
graph_shape() {
	kvctl log --graph "$@" | sed "s/[0-9a-f]\{12\}/ID/"
}

# graph_check.py LOG GRAPH: GRAPH (from log --graph) shows each commit of
# LOG (log --oneline) once, and every row is well formed: a commit row is
# the drawing, one '*' in it, then the id and subject; other rows are
# drawing only; '*' and '|' stand in even columns, '/' and '\' in odd ones.
cat >graph_check.py <<'EOF'
import re, sys
want = sorted(line[:12] for line in open(sys.argv[1]))
seen = []
for n, row in enumerate(open(sys.argv[2]).read().split('\n')[:-1], 1):
    m = re.match(r'([|/\\ *]*)([0-9a-f]{12}) ', row)
    draw = m.group(1) if m else row
    ok = re.fullmatch(r'[|/\\ *]*', draw) is not None
    ok = ok and draw.count('*') == (1 if m else 0)
    ok = ok and (draw.endswith(' ') if m else not draw.endswith(' '))
    for i, c in enumerate(draw):
        ok = ok and (c == ' ' or (c in '*|') == (i % 2 == 0))
    if not ok:
        sys.exit('row %d is malformed: %r' % (n, row))
    if m:
        seen.append(m.group(2))
if sorted(seen) != want:
    sys.exit('commits differ: %r != %r' % (sorted(seen), want))
EOF

test_expect_success 'log --graph: a merge and its two lines' '
	mkdir graphs && cd graphs && kvctl init >/dev/null &&
	kvctl set -m "g base" gb 1 >/dev/null &&
	kvctl branch g2 >/dev/null &&
	kvctl set -m "g one" go 1 >/dev/null &&
	kvctl -b g2 set -m "g two" gt 1 >/dev/null &&
	kvctl merge g2 -m "g merge" >/dev/null &&
	graph_shape >got &&
	cat >want <<-EOF &&
	*   ID g merge
	|\\
	| * ID g two
	* | ID g one
	|/
	* ID g base
	EOF
	test_cmp want got &&
	kvctl log --oneline >log && kvctl log --graph >graph &&
	python3 ../graph_check.py log graph
'

test_expect_success 'log --graph: -n, --first-parent' '
	cd graphs &&
	graph_shape -n 2 >got &&
	printf "*   ID g merge\n|\\\\\n| * ID g two\n" >want && test_cmp want got &&
	graph_shape --first-parent >got &&
	printf "* ID g merge\n* ID g one\n* ID g base\n" >want && test_cmp want got &&
	graph_shape -b g2 >got &&
	printf "* ID g two\n* ID g base\n" >want && test_cmp want got
'

test_expect_success 'log --graph: a criss-cross history' '
	cd graphs &&
	kvctl branch b1 g2 >/dev/null && kvctl branch b2 g2 >/dev/null &&
	kvctl -b b1 set -m x1 x 1 >/dev/null &&
	kvctl -b b2 set -m y1 y 1 >/dev/null &&
	kvctl merge b2 --into b1 -m "m1" >/dev/null &&
	kvctl merge b1^ --into b2 -m "m2" >/dev/null &&
	kvctl -b b1 set -m x2 x 2 >/dev/null &&
	kvctl -b b2 set -m y2 y 2 >/dev/null &&
	kvctl merge b2 --into b1 -m "m3" >/dev/null &&
	graph_shape -b b1 >got &&
	cat >want <<-EOF &&
	*   ID m3
	|\\
	| * ID y2
	| *   ID m2
	| |\\
	* | | ID x2
	* | |   ID m1
	|\\ \\ \\
	| |/ /
	| |/
	|/|
	| * ID y1
	* | ID x1
	|/
	* ID g two
	* ID g base
	EOF
	test_cmp want got &&
	kvctl -b b1 log --oneline >log && kvctl -b b1 log --graph >graph &&
	python3 ../graph_check.py log graph
'

test_expect_success 'log --graph: every commit once, rows well formed (whole store)' '
	for b in main mb1 mb2 r ds n1 c1 s2; do
		kvctl -b $b log --oneline >log &&
		kvctl -b $b log --graph >graph &&
		python3 graph_check.py log graph || return 1
	done
'

test_expect_success 'log --graph: refuses --json and KEY (exit 2); a new store, one commit' '
	test_expect_code 2 kvctl --json log --graph 2>err &&
	test_expect_code 2 kvctl log --graph a 2>err &&
	mkdir empty && (cd empty && kvctl init >/dev/null &&
		kvctl log --graph >out && test ! -s out &&
		kvctl set -m one a 1 >/dev/null && kvctl log --graph >out &&
		test "$(sed "s/[0-9a-f]\{12\}/ID/" out)" = "* ID one")
'

test_expect_success 'the store is sound after all of it' '
	kvctl fsck >out && grep "^no problems found$" out
'

test_done
