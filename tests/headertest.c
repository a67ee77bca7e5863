/* Compiles the public headers alone, as strict C99 and as C++. */
#include "kv.h"
#include "kv_backend.h"

int main(void)
{
	kv_buf buf = KV_BUF_INIT;
	kv_buf_dispose(&buf);
	return 0;
}
