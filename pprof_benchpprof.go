//go:build benchpprof

package main

import (
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

// A binary built with -tags benchpprof serves Go's profiles on
// MD_PPROF_ADDR (a loopback address), for bench/miniflux/run.sh's
// PROFILE option; release builds never carry it.
func init() {
	addr := os.Getenv("MD_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() { log.Println("pprof:", http.ListenAndServe(addr, nil)) }()
}
