package stream

// IteratorStream names the stream a shard iterator reads, so that chaos
// can apply a stream's policy to GetRecords; false for an iterator that
// is invalid, expired or of a deleted stream (GetRecords says which).
func (s *Service) IteratorStream(iterator string) (string, bool) {
	_, st, _, err := s.resolve(iterator)
	if err != nil {
		return "", false
	}
	return st.name, true
}
