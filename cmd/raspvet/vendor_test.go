package main

import "testing"

func TestGoBefore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"", true},
		{"1.11", true},
		{"1.13", true},
		{"1.14", false},
		{"1.14rc1", false},
		{"1.21.0", false},
		{"1.9", true},
		{"2.0", false},
		{"x", false},
	}
	for _, tt := range tests {
		if got := goBefore(tt.v, 1, 14); got != tt.want {
			t.Errorf("goBefore(%q, 1, 14) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestStandalone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"./..."}, true},
		{[]string{"-fix", "./..."}, true},
		{[]string{"/tmp/vet123/vet.cfg"}, false},
		{[]string{"-V=full"}, false},
		{[]string{"-flags"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := standalone(tt.args); got != tt.want {
			t.Errorf("standalone(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
