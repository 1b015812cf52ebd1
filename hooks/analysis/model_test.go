package analysis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"testing"
)

func TestEmbeddedModel(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatalf("the embedded model.bin does not load (retrain with go run ./tools/train): %v", err)
	}
	if n := len(embeddedModel); n > 2<<20 {
		t.Errorf("model.bin is %d bytes, keep it under 2 MiB", n)
	}
	if !bytes.Equal(m.Encode(), embeddedModel) {
		t.Error("decoding then encoding model.bin changes it")
	}
}

// toyExamples is a training set small enough for unit tests, with words
// that decide each class.
func toyExamples() []Example {
	var out []Example
	for i := range 12 {
		out = append(out,
			Example{Text: fmt.Sprintf("commande %d jamais reçue, remboursez-moi", i), Lang: "fr", Sentiment: Negative, Intent: IntentComplaint},
			Example{Text: fmt.Sprintf("vous ouvrez à %d h le dimanche ?", i), Lang: "fr", Sentiment: Neutral, Intent: IntentQuestion},
			Example{Text: fmt.Sprintf("best pastry in town, %d stars from me", i), Lang: "en", Sentiment: Positive, Intent: IntentPraise, Stars: 5},
			Example{Text: fmt.Sprintf("new shop opening on street number %d", i), Lang: "en", Sentiment: Neutral, Intent: IntentOther},
		)
	}
	return out
}

var toyOptions = TrainOptions{
	Features: FeatureConfig{HashBits: 12, WordN: 2, CharMin: 3, CharMax: 4},
	Epochs:   5, Rate: 0.1, L2: 1e-5, StarDrop: 0.5, Average: true, Seed: 7,
}

func TestTrainIsDeterministic(t *testing.T) {
	a, err := Train(toyExamples(), toyOptions)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(toyExamples(), toyOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Encode(), b.Encode()) {
		t.Fatal("two trainings on the same data differ")
	}
	other := toyOptions
	other.Seed = 8
	c, err := Train(toyExamples(), other)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Encode(), c.Encode()) {
		t.Error("the seed changes nothing: the examples are not shuffled")
	}
}

func TestTrainLearnsAndRoundTrips(t *testing.T) {
	m, err := Train(toyExamples(), toyOptions)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeModel(m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text, sentiment, intent string
	}{
		{"colis jamais reçu, remboursez-moi", Negative, IntentComplaint},
		{"vous ouvrez le samedi ?", Neutral, IntentQuestion},
		{"best croissant in town", Positive, IntentPraise},
		{"new bakery opening on the high street", Neutral, IntentOther},
	} {
		r := back.Analyze(Post{Text: tt.text})
		if r.Label != tt.sentiment || r.Intent != tt.intent {
			t.Errorf("%q: got %s/%s, want %s/%s", tt.text, r.Label, r.Intent, tt.sentiment, tt.intent)
		}
		if r.Score < -1 || r.Score > 1 {
			t.Errorf("%q: score %v out of range", tt.text, r.Score)
		}
		if m.Analyze(Post{Text: tt.text}) != r {
			t.Errorf("%q: the decoded model disagrees with the trained one", tt.text)
		}
	}
}

func TestTrainRejects(t *testing.T) {
	bad := toyExamples()
	bad[3].Intent = "rant"
	if _, err := Train(bad, toyOptions); err == nil {
		t.Error("unknown intent accepted")
	}
	opt := toyOptions
	opt.Features.HashBits = 40
	if _, err := Train(toyExamples(), opt); err == nil {
		t.Error("a 2^40 feature space accepted")
	}
	opt = toyOptions
	opt.Epochs = 0
	if _, err := Train(toyExamples(), opt); err == nil {
		t.Error("zero epochs accepted")
	}
}

func TestDecodeModelRejects(t *testing.T) {
	m, err := Train(toyExamples()[:8], toyOptions)
	if err != nil {
		t.Fatal(err)
	}
	good := m.Encode()
	// resum recomputes the checksum, so that the test reaches the check
	// behind it.
	resum := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		return b
	}
	edit := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, data := range map[string][]byte{
		"empty":            nil,
		"not a model":      []byte("lang\tregion\tchannel\tstars\tsentiment\tintent\ttext\n"),
		"flipped weight":   edit(func(b []byte) []byte { b[headerSize+10] ^= 1; return b }),
		"truncated":        edit(func(b []byte) []byte { return resum(append(b[:len(b)-100], 0, 0, 0, 0)) }),
		"format version 9": edit(func(b []byte) []byte { b[4] = 9; return resum(b) }),
		"feature version":  edit(func(b []byte) []byte { b[6]++; return resum(b) }),
		"hash bits 40":     edit(func(b []byte) []byte { b[8] = 40; return resum(b) }),
	} {
		if _, err := DecodeModel(data); !errors.Is(err, ErrModel) {
			t.Errorf("%s: err = %v, want ErrModel", name, err)
		}
	}
	if _, err := DecodeModel(good); err != nil {
		t.Errorf("the untouched model: %v", err)
	}
}

func TestExpDet(t *testing.T) {
	for x := -60.0; x <= 0; x += 0.0137 {
		want, got := math.Exp(x), expDet(x)
		if math.Abs(got-want) > 4e-16*want {
			t.Fatalf("expDet(%v) = %v, math.Exp gives %v", x, got, want)
		}
	}
	if expDet(-1000) != 0 || expDet(0) != 1 {
		t.Errorf("expDet(-1000) = %v, expDet(0) = %v", expDet(-1000), expDet(0))
	}
}

// Analysis runs on every ingest worker at once: the pooled extractors must
// not leak one post's features into another's.
func TestAnalyzePostConcurrent(t *testing.T) {
	posts := []Post{
		{Text: "J'attends toujours mon remboursement 😡", Stars: 0},
		{Text: "Best flat white in town ❤️", LangHint: "en"},
		{Text: "Vous êtes ouverts le dimanche ?"},
		{Text: "Not bad at all, the new sourdough is really good", Stars: 4},
	}
	want := make([]Result, len(posts))
	for i, p := range posts {
		want[i] = AnalyzePost(p)
	}
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for n := range 200 {
				i := (g + n) % len(posts)
				if got := AnalyzePost(posts[i]); got != want[i] {
					errs <- fmt.Sprintf("%q: %+v, alone %+v", posts[i].Text, got, want[i])
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
