/* Test-only stand-in for bcryptprimitives.dll, which Debian's wine 8 lacks and Rust's standard
 * library imports (ProcessPrng) on Windows 10 and later. .ci/dist/smoke builds it with mingw-w64
 * and puts it beside the unpacked .exe so that wine can start the program; the archives never
 * hold it (Windows ships the real one). ProcessPrng is answered with RtlGenRandom. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n; len -= n;
  }
  return TRUE;
}
