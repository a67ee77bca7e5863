#!/bin/sh
# Generate the runner's test table from the sources given as arguments:
# every `void test_<module>_<topic>__<case>(void)` is a test, and
# `__initialize` / `__cleanup` in the same file wrap each of its tests.
# Output: DECL(fn) for every such function, TEST(fn, init, cleanup) per test.
set -e
for f in "$@"; do
	sed -n 's/^void \(test_[a-z0-9_]*__[a-z0-9_]*\)(void)$/\1/p' "$f" |
	while read -r fn; do
		echo "DECL($fn)"
		case "$fn" in
		*__initialize|*__cleanup) continue ;;
		esac
		base=${fn%%__*}
		init=$(grep -q "^void ${base}__initialize(void)" "$f" && echo "${base}__initialize" || echo NULL)
		clean=$(grep -q "^void ${base}__cleanup(void)" "$f" && echo "${base}__cleanup" || echo NULL)
		echo "TEST($fn, $init, $clean)"
	done
done
