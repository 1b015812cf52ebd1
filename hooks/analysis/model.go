package analysis

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"sync"
)

// The classes of the two heads, in the order of a model's weight columns.
var (
	sentimentClasses = [nSentiment]string{Negative, Neutral, Positive}
	intentClasses    = [nIntent]string{IntentComplaint, IntentQuestion, IntentPraise, IntentOther}
)

const (
	nSentiment = 3
	nIntent    = 4
	nOutputs   = nSentiment + nIntent
)

// Model is a trained classifier: two multinomial logistic regressions
// (sentiment, intent) over the same hashed features, weights quantised to
// one byte. It is read-only once built, so safe for concurrent use.
type Model struct {
	cfg FeatureConfig
	// bias and scale per output column (sentiment classes, then intent
	// classes); a weight is scale × its int8.
	bias, scale [nOutputs]float32
	// offset is added to a column's score before the arg max: it trades
	// precision for recall of the complaint class (chosen by
	// cross-validation, see tools/train).
	offset [nOutputs]float32
	// pair scores each (sentiment, intent) pair, added to the two heads'
	// scores when they are decided together: the training labels make a
	// praise with a negative sentiment all but impossible. All zero, the
	// heads decide independently.
	pair [nSentiment][nIntent]float32
	// w holds nOutputs int8 per bucket, bucket after bucket.
	w []int8
}

// ErrModel is wrapped by every error about a model file that cannot be used.
var ErrModel = errors.New("analysis: unusable model file")

// Model file format, little-endian, version 1:
//
//	magic       4 bytes  "MDAM"
//	version     uint16   1 (this layout)
//	features    uint16   featureVersion of the extraction it was trained with
//	hashBits    uint8    the feature space has 1<<hashBits buckets
//	wordN       uint8    word n-grams 1..wordN
//	charMin     uint8    character n-grams charMin..charMax bytes,
//	charMax     uint8    charMax 0 for none
//	bias        7 × float32  per column: negative, neutral, positive,
//	scale       7 × float32  complaint, question, praise, other
//	offset      7 × float32
//	pair        3 × 4 float32, sentiment-major
//	weights     (1<<hashBits) × 7 × int8, bucket-major
//	crc         uint32   CRC-32 (IEEE) of every byte before it
const (
	modelMagic   = "MDAM"
	modelVersion = 1
	headerSize   = 4 + 2 + 2 + 4 + 3*nOutputs*4 + nSentiment*nIntent*4
)

//go:embed model.bin
var embeddedModel []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// DefaultModel returns the model embedded in the binary (model.bin, made by
// tools/train). It is decoded on first use.
func DefaultModel() (*Model, error) {
	defaultOnce.Do(func() {
		defaultModel, defaultErr = DecodeModel(embeddedModel)
	})
	return defaultModel, defaultErr
}

// DecodeModel reads a model file.
func DecodeModel(data []byte) (*Model, error) {
	if len(data) < headerSize+4 || string(data[:4]) != modelMagic {
		return nil, fmt.Errorf("%w: not a model file", ErrModel)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (truncated or edited)", ErrModel)
	}
	le := binary.LittleEndian
	if v := le.Uint16(data[4:]); v != modelVersion {
		return nil, fmt.Errorf("%w: format version %d, this code reads %d", ErrModel, v, modelVersion)
	}
	if v := le.Uint16(data[6:]); v != featureVersion {
		return nil, fmt.Errorf("%w: trained on features v%d, this code extracts v%d: retrain with tools/train", ErrModel, v, featureVersion)
	}
	m := &Model{cfg: FeatureConfig{HashBits: data[8], WordN: data[9], CharMin: data[10], CharMax: data[11]}}
	if !m.cfg.valid() {
		return nil, fmt.Errorf("%w: bad feature configuration %+v", ErrModel, m.cfg)
	}
	p := 12
	for _, dst := range []*[nOutputs]float32{&m.bias, &m.scale, &m.offset} {
		for k := range dst {
			dst[k] = math.Float32frombits(le.Uint32(data[p:]))
			p += 4
		}
	}
	for s := range m.pair {
		for i := range m.pair[s] {
			m.pair[s][i] = math.Float32frombits(le.Uint32(data[p:]))
			p += 4
		}
	}
	want := (1 << m.cfg.HashBits) * nOutputs
	if len(body)-p != want {
		return nil, fmt.Errorf("%w: %d weight bytes, want %d", ErrModel, len(body)-p, want)
	}
	m.w = make([]int8, want)
	for i, b := range body[p:] {
		m.w[i] = int8(b)
	}
	return m, nil
}

// Encode writes the model in the format DecodeModel reads.
func (m *Model) Encode() []byte {
	var b bytes.Buffer
	b.Grow(headerSize + len(m.w) + 4)
	b.WriteString(modelMagic)
	le := binary.LittleEndian
	b.Write(le.AppendUint16(nil, modelVersion))
	b.Write(le.AppendUint16(nil, featureVersion))
	b.Write([]byte{m.cfg.HashBits, m.cfg.WordN, m.cfg.CharMin, m.cfg.CharMax})
	for _, src := range []*[nOutputs]float32{&m.bias, &m.scale, &m.offset} {
		for _, v := range src {
			b.Write(le.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	for _, row := range m.pair {
		for _, v := range row {
			b.Write(le.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	for _, w := range m.w {
		b.WriteByte(byte(w))
	}
	b.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(b.Bytes())))
	return b.Bytes()
}

// Config is the feature configuration the model was trained with.
func (m *Model) Config() FeatureConfig { return m.cfg }

// probs are a post's class probabilities.
type probs struct {
	sentiment [nSentiment]float32
	intent    [nIntent]float32
}

// predict returns the class probabilities of a feature vector and the
// decided sentiment and intent.
func (m *Model) predict(fs []feature) (p probs, sentiment, intent int) {
	var z [nOutputs]float32
	for _, f := range fs {
		row := m.w[int(f.idx)*nOutputs : int(f.idx)*nOutputs+nOutputs]
		for k, w := range row {
			z[k] += f.val * float32(w)
		}
	}
	for k := range z {
		z[k] = z[k]*m.scale[k] + m.bias[k]
	}
	softmax(p.sentiment[:], z[:nSentiment])
	softmax(p.intent[:], z[nSentiment:])
	sentiment, intent = decide(&z, &m.offset, &m.pair)
	return p, sentiment, intent
}

// decide picks the (sentiment, intent) pair with the best sum of the two
// heads' scores (log-probabilities up to a constant per head), their
// offsets and the pair's score.
func decide(z, offset *[nOutputs]float32, pair *[nSentiment][nIntent]float32) (sentiment, intent int) {
	best := float32(math.Inf(-1))
	for s := range nSentiment {
		for i := range nIntent {
			v := z[s] + offset[s] + z[nSentiment+i] + offset[nSentiment+i] + pair[s][i]
			if v > best {
				best, sentiment, intent = v, s, i
			}
		}
	}
	return sentiment, intent
}

func softmax(dst, z []float32) {
	top := z[0]
	for _, v := range z[1:] {
		top = max(top, v)
	}
	var sum float32
	for k, v := range z {
		dst[k] = float32(math.Exp(float64(v - top)))
		sum += dst[k]
	}
	for k := range dst {
		dst[k] /= sum
	}
}
