// GNU readline for the mql REPL (Sources/Repl/LineEditor.swift). Swift 6 refuses to
// assign readline's C globals directly ("not concurrency-safe"), so every global the REPL
// sets or reads goes through a small inline function here. Nothing else lives in C.
#ifndef MQL_CREADLINE_SHIM_H
#define MQL_CREADLINE_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>
#include <readline/history.h>

/// Installs the completion entry point, the signal-event hook, the word-break characters
/// and the application name (for ~/.inputrc `$if mql`).
static inline void mql_rl_install(rl_completion_func_t *complete, rl_hook_func_t *signal_hook,
                                  const char *word_breaks, FILE *out) {
    rl_readline_name = "mql";
    rl_attempted_completion_function = complete;
    rl_signal_event_hook = signal_hook;
    rl_basic_word_break_characters = strdup(word_breaks);
    rl_completer_quote_characters = NULL;
    rl_outstream = out;
    rl_catch_signals = 1;
    rl_catch_sigwinch = 1;
}

/// The key-reading function, so that a Ctrl-C readline handled while it was not blocked in
/// read() (when the signal-event hook is not called) is acted on before the next key.
/// (Not rl_event_hook: with it readline reads through select() and a signal there ends the
/// line as if Enter had been pressed.)
static inline void mql_rl_set_getc(rl_getc_func_t *getc_fn) {
    rl_getc_function = getc_fn;
}

/// Per completion call: what to append after a single match (0: nothing), and whether
/// readline may fall back to completing file names.
static inline void mql_rl_completion_options(int append_character, int allow_filenames) {
    if (append_character == 0) {
        rl_completion_suppress_append = 1;
    } else {
        rl_completion_append_character = append_character;
        rl_completion_suppress_append = 0;
    }
    rl_attempted_completion_over = allow_filenames ? 0 : 1;
}

/// The line being edited (for completion context).
static inline const char *mql_rl_line_buffer(void) { return rl_line_buffer; }
static inline int mql_rl_point(void) { return rl_point; }

/// After Ctrl-C at the prompt: forget the typed line and start a fresh one under `prompt`.
static inline void mql_rl_fresh_line(const char *prompt) {
    rl_replace_line("", 0);
    rl_set_prompt(prompt);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

static inline int mql_history_length(void) { return history_length; }
static inline int mql_history_base(void) { return history_base; }

#endif
