// libFuzzer's driver, for a program that has its own `main` (SwiftPM gives every executable
// one). Defined in the toolchain's libclang_rt.fuzzer, which -sanitize=fuzzer links; see
// https://llvm.org/docs/LibFuzzer.html ("Using libFuzzer as a library").
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
