#!/bin/sh
# The pretend application of the pod scenarios (busybox sh, in the test
# app image as /app/web and /app/worker).  It writes numbered lines,
# "seq=000000042 xxx...", as the e2e tests' line() does, so that the
# receiver's records tell exactly which lines were lost or repeated.
#
#   web --log-file PATH   appends to PATH, rotating by rename every
#                         $APP_ROTATE lines (PATH.1 .. PATH.3)
#   worker [ARG...]       writes to stdout (the tee pattern)
#
# $APP_LINES lines (0: until SIGTERM; "none": none), from $APP_START,
# $APP_BURST lines every 10 ms; then it says "app: wrote N lines" on
# stdout (web) and idles until SIGTERM.  On SIGTERM it stops writing,
# appends "END lines=N" (N: how many it wrote) and exits 0.
lines=${APP_LINES:-0} seq=${APP_START:-0} rotate=${APP_ROTATE:-0}
burst=${APP_BURST:-5} log='' n=0 term=0 pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
[ "$1" = --log-file ] && log=$2
trap 'term=1' TERM INT

emit() {
	if [ -n "$log" ]; then printf '%s\n' "$1" >>"$log"; else printf '%s\n' "$1"; fi
}

# One numbered line, by ash's builtin printf: no process per line.
line() {
	if [ -n "$log" ]; then
		printf 'seq=%09d %s\n' "$1" "$pad" >>"$log"
	else
		printf 'seq=%09d %s\n' "$1" "$pad"
	fi
}

rotate() {
	[ -e "$log.2" ] && mv -f "$log.2" "$log.3"
	[ -e "$log.1" ] && mv -f "$log.1" "$log.2"
	mv -f "$log" "$log.1"
}

[ "$lines" = none ] && term=2
while [ $term = 0 ] && { [ "$lines" = 0 ] || [ $n -lt "$lines" ]; }; do
	k=0
	while [ $k -lt "$burst" ] && { [ "$lines" = 0 ] || [ $n -lt "$lines" ]; }; do
		if [ -n "$log" ] && [ "$rotate" != 0 ] && [ $n != 0 ] &&
		    [ $((n % rotate)) = 0 ]; then
			rotate
		fi
		line $((seq + n))
		n=$((n + 1)) k=$((k + 1))
	done
	sleep 0.01
done
[ -n "$log" ] && [ $term = 0 ] && echo "app: wrote $n lines"
[ $term = 2 ] && term=0
while [ $term = 0 ]; do sleep 0.1; done
[ "$lines" = none ] || emit "END lines=$n"
exit 0
