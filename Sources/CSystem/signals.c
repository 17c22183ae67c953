// Clean-stop signal handling for the `saddle` program (see CSystem.h). The handler only touches a
// sig_atomic_t and calls async-signal-safe functions (write, _exit).
#include "CSystem.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal = 0;
static char first_text[512];
static char second_text[512];
static size_t first_length = 0;
static size_t second_length = 0;

static void on_stop(int sig) {
    if (stop_signal != 0) {
        if (second_length > 0) { ssize_t ignored = write(2, second_text, second_length); (void)ignored; }
        _exit(128 + sig);
    }
    stop_signal = sig;
    if (first_length > 0) { ssize_t ignored = write(2, first_text, first_length); (void)ignored; }
}

static void copy_text(char *to, size_t *length, const char *from) {
    *length = 0;
    if (from == NULL) return;
    size_t n = strlen(from);
    if (n > 511) n = 511;
    memcpy(to, from, n);
    to[n] = 0;
    *length = n;
}

void sk_install_stop_handlers(const char *first_message, const char *second_message) {
    copy_text(first_text, &first_length, first_message);
    copy_text(second_text, &second_length, second_message);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    // A blocked signal mask is inherited across exec (some launchers block these): unblock them.
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &stops, NULL);
}

int sk_stop_signal(void) { return stop_signal; }

void sk_request_stop(int signal) { if (stop_signal == 0) stop_signal = signal; }
