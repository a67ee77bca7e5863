/*
 * Fuzz target: key validation. An accepted key has no empty, ".", ".."
 * or ".git" step and is 1 to KV_KEY_MAX bytes. The key is the C string
 * up to the input's first NUL, as kv_key_validate sees it (an earlier
 * version compared with the input's size, and fuzzing duly found inputs
 * with a NUL after a valid key).
 */
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *key = malloc(size + 1);
	const char *step;
	if (!key)
		return 0;
	memcpy(key, data, size);
	key[size] = '\0';
	if (kv_key_validate(key) == 0) {
		size_t len = strlen(key);
		if (len > KV_KEY_MAX || len == 0)
			abort();
		for (step = key;; step = strchr(step, '/') + 1) {
			size_t n = strcspn(step, "/");
			if (n == 0 || (n == 1 && step[0] == '.') ||
			    (n == 2 && !strncmp(step, "..", 2)) ||
			    (n == 4 && !strncasecmp(step, ".git", 4)))
				abort();
			if (!step[n])
				break;
		}
	}
	free(key);
	return 0;
}
