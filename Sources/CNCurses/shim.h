#ifndef MR5_CNCURSES_SHIM_H
#define MR5_CNCURSES_SHIM_H
/* Wide-character ncurses; defined here rather than through pkg-config flags SwiftPM rejects. */
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <string.h>
#include <ncursesw/curses.h>

/* Macros and globals Swift cannot import directly. */
static inline WINDOW *mr5_stdscr(void) { return stdscr; }
static inline int mr5_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int mr5_a_bold(void) { return (int)A_BOLD; }
static inline int mr5_a_reverse(void) { return (int)A_REVERSE; }
static inline int mr5_a_dim(void) { return (int)A_DIM; }
static inline int mr5_a_underline(void) { return (int)A_UNDERLINE; }
static inline int mr5_a_normal(void) { return (int)A_NORMAL; }
static inline int mr5_lines(void) { return LINES; }
static inline int mr5_cols(void) { return COLS; }
static inline int mr5_key_f(int n) { return KEY_F(n); }
static inline mmask_t mr5_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t mr5_button1_clicked(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED; }
static inline mmask_t mr5_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t mr5_button5_pressed(void) {
#ifdef BUTTON5_PRESSED
    return BUTTON5_PRESSED;
#else
    return 0;
#endif
}
/* Terminal set-up without initscr's exit(1) and "Error opening terminal". */
#include <ncursesw/term.h>
#include <signal.h>
#include <langinfo.h>
#include <stdio.h>
/* 1 when TERM names a terminal the terminfo database knows, 0 otherwise; prints nothing. */
static inline int mr5_terminal_known(const char *term) {
    int err = 0;
    if (setupterm(term, 1, &err) != OK) return 0;
    del_curterm(cur_term);
    return err == 1;
}
/* 1 when the terminal type can move the cursor (terminfo `cup`): `dumb`, `unknown` and
   printing terminals cannot draw a screen. */
static inline int mr5_terminal_addresses_cursor(const char *term) {
    int err = 0;
    if (setupterm(term, 1, &err) != OK) return 0;
    char *cup = tigetstr("cup");
    int ok = cup != NULL && cup != (char *)-1 && cup[0] != 0;
    del_curterm(cur_term);
    return ok;
}
/* newterm on the process's stdin/stdout (Swift 6 cannot touch the stdio globals). */
static inline SCREEN *mr5_newterm(const char *term) { return newterm(term, stdout, stdin); }
static inline int mr5_attrset(int attrs) { return attrset(attrs); }
static inline void mr5_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
/* Reads the pending mouse event: 1 on success with the position and button state. */
static inline int mr5_getmouse(int *y, int *x, mmask_t *bstate) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *y = ev.y; *x = ev.x; *bstate = ev.bstate;
    return 1;
}
static inline int mr5_codeset_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}
/* Line-drawing characters (only valid after newterm/initscr). */
static inline chtype mr5_acs_hline(void) { return ACS_HLINE; }
static inline chtype mr5_acs_vline(void) { return ACS_VLINE; }
static inline chtype mr5_acs_ulcorner(void) { return ACS_ULCORNER; }
static inline chtype mr5_acs_urcorner(void) { return ACS_URCORNER; }
static inline chtype mr5_acs_llcorner(void) { return ACS_LLCORNER; }
static inline chtype mr5_acs_lrcorner(void) { return ACS_LRCORNER; }
/* Signal dispositions: SIG_IGN/SIG_DFL are casts Swift cannot import. */
static inline void mr5_ignore_signal(int sig) { signal(sig, SIG_IGN); }
static inline void mr5_default_signal(int sig) { signal(sig, SIG_DFL); }
#endif
