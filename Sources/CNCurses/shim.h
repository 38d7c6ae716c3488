#ifndef MR5_CNCURSES_SHIM_H
#define MR5_CNCURSES_SHIM_H
/* Wide-character ncurses; defined here rather than through pkg-config flags SwiftPM rejects. */
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
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
#endif
