/*
 * Fuzz target: key validation. An accepted key has no empty, ".", ".."
 * or ".git" step, no NUL, and is at most KV_KEY_MAX bytes.
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
		if (strlen(key) != size || size > KV_KEY_MAX || size == 0)
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
