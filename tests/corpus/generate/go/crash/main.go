// Unrecovered panic in a goroutine: the runtime prints "panic: ..." plus the
// goroutine dump (GOTRACEBACK=all) to stderr; capture_go.sh puts that in a body.
package main

import (
	"sync"
	"time"
)

type Session struct{ UserID int }

func lookup(sessions map[string]*Session, token string) int {
	return sessions[token].UserID
}

func worker(wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(10 * time.Millisecond)
}

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go worker(&wg)
	sessions := map[string]*Session{}
	_ = lookup(sessions, "expired-token")
	wg.Wait()
}
