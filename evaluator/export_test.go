package evaluator

// SetKeptIndexFrom sets how many facts a patient needs for its index to be
// kept between evaluations, and returns what restores the setting.
func SetKeptIndexFrom(n int) (restore func()) {
	prev := keptIndexFrom
	keptIndexFrom = n
	return func() { keptIndexFrom = prev }
}
