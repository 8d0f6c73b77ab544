// Tiny net/http server (Go stdlib only) for capturing Go error bodies.
// Built in /opt/orders-svc by capture_go.sh; listens on 127.0.0.1:$PORT.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"
)

type Item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
	Qty   int     `json:"qty"`
}

type Order struct {
	Items []Item
}

func total(o *Order) float64 {
	var t float64
	for _, it := range o.Items {
		t += it.Price * float64(it.Qty)
	}
	return t
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/orders/total", func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, "panic: %v\n\n%s", rec, debug.Stack())
			}
		}()
		var o *Order
		fmt.Fprint(w, total(o))
	})
	mux.HandleFunc("/config", func(w http.ResponseWriter, r *http.Request) {
		_, err := os.Open("/opt/orders-svc/config/prod.yaml")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/inventory", func(w http.ResponseWriter, r *http.Request) {
		_, err := net.DialTimeout("tcp", "127.0.0.1:9", 2*time.Second)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		}
	})
	mux.HandleFunc("/inventory-http", func(w http.ResponseWriter, r *http.Request) {
		_, err := http.Get("http://127.0.0.1:9/v1/stock?sku=AB-1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	mux.HandleFunc("/items", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 512)
		var it Item
		if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if it.Qty <= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]any{"error": "validation_failed", "fields": map[string]string{"qty": "must be greater than 0"}})
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux}
	srv.ListenAndServe()
}
