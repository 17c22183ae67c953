#ifndef SADDLE_CSYSTEM_H
#define SADDLE_CSYSTEM_H

/// Installs SIGINT and SIGTERM handlers for a clean stop: the first signal is recorded (read it
/// with sk_stop_signal) and a line is written to stderr; a second one writes a line and exits at
/// once with status 128 + signal. Only the `saddle` program calls this (library code never
/// installs handlers). `first_message` and `second_message` are copied.
void sk_install_stop_handlers(const char *first_message, const char *second_message);

/// The first stop signal received (SIGINT, SIGTERM), or 0.
int sk_stop_signal(void);

/// Records a stop request as if `signal` had arrived (for other processes' requests, e.g. MPI ranks).
void sk_request_stop(int signal);

#endif
