/* Rust's standard library takes its random bytes from ProcessPrng in bcryptprimitives.dll
 * (Windows 10 and later). Wine before 9 has no such DLL, so every Rust program fails to start
 * under it; this stand-in gives the same bytes the system generator gives. Test tooling only:
 * it is placed next to the test executables by .ci/checks/windows.sh, never shipped. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            return FALSE;
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
