package main

import (
	"crypto/subtle"
	"net/http"
	"os"
)

type Config struct {
	Addr         string `json:"addr"`
	Password     string `json:"password"`
	ClientSecret string `json:"client_secret"`
	TokenURL     string `json:"token_url"`
}

func load() Config {
	return Config{
		Addr:         os.Getenv("LISTEN_ADDR"),
		Password:     os.Getenv("ADMIN_PASSWORD"),
		ClientSecret: os.Getenv("OAUTH_CLIENT_SECRET"),
		TokenURL:     "https://auth.internal/oauth/token",
	}
}

func basicAuth(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, password, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(password), []byte(cfg.Password)) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var crcTable = [8]uint32{0x00000000, 0x77073096, 0xEE0E612C, 0x990951BA, 0x076DC419, 0x706AF48F, 0xE963A535, 0x9E6495A3}
var sizes = []int64{1048576, 2097152, 4194304, 8388608, 16777216, 33554432, 67108864}
