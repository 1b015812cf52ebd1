package analysis

import (
	"fmt"
	"math"
	"slices"
)

// Example is one labelled post of the training set.
type Example struct {
	Text      string
	Lang      string // fr or en, as labelled
	Stars     int    // 1..5, or 0 when the channel has none
	Sentiment string // negative, neutral, positive
	Intent    string // complaint, question, praise, other
}

// TrainOptions are the hyper-parameters of Train.
type TrainOptions struct {
	Features FeatureConfig
	Epochs   int     // passes over the examples
	Rate     float64 // AdaGrad learning rate
	L2       float64 // L2 penalty, applied to the weights an example touches
	// StarDrop is the chance, per example and epoch, of hiding a review's
	// stars: most posts come without, and the model must not lean on
	// stars so hard that it is lost when they are missing.
	StarDrop float64
	// ComplaintOffset is added to the complaint score before the arg max:
	// a missed complaint costs more than a false alarm.
	ComplaintOffset float64
	// Joint, when set, decides sentiment and intent together, with the
	// log odds of each pair in the training labels (see Model.pair).
	Joint bool
	// Average, when set, returns the mean of the weights at the end of
	// each epoch of the second half of training rather than the last ones
	// (Polyak averaging): steadier than wherever the last example left them.
	Average bool
	Seed    uint64
}

// Train fits a model to the examples, deterministically: the same examples
// in the same order with the same options give the same bytes, on every
// run (floating point is kept out of fused multiply-adds by explicit
// conversions, exp is computed here rather than by math.Exp, whose
// assembly differs between architectures, and nothing iterates a map).
func Train(examples []Example, opt TrainOptions) (*Model, error) {
	if !opt.Features.valid() {
		return nil, fmt.Errorf("analysis: bad feature configuration %+v", opt.Features)
	}
	if opt.Epochs < 1 || opt.Rate <= 0 || opt.L2 < 0 {
		return nil, fmt.Errorf("analysis: bad training options %+v", opt)
	}
	type row struct {
		with, without []feature // features with the stars, and hidden (nil: no stars)
		y             [2]int    // sentiment class, intent class
	}
	rows := make([]row, len(examples))
	e := &extractor{cfg: opt.Features}
	for i, ex := range examples {
		s, in := slices.Index(sentimentClasses[:], ex.Sentiment), slices.Index(intentClasses[:], ex.Intent)
		if s < 0 || in < 0 {
			return nil, fmt.Errorf("analysis: example %d: unknown labels %q/%q", i+1, ex.Sentiment, ex.Intent)
		}
		// The language the model sees at inference is the detected one; a
		// correct platform hint is the nearest stand-in.
		lang := DetectLanguage(ex.Text, ex.Lang)
		rows[i].y = [2]int{s, in}
		rows[i].with = slices.Clone(e.features(ex.Text, lang, ex.Stars))
		if ex.Stars != 0 {
			rows[i].without = slices.Clone(e.features(ex.Text, lang, 0))
		}
	}

	dim := 1 << opt.Features.HashBits
	w := make([]float64, dim*nOutputs)
	g2 := make([]float64, dim*nOutputs) // AdaGrad: sums of squared gradients
	var bias, bias2 [nOutputs]float64
	rng := splitmix(opt.Seed)
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	var z, p, grad [nOutputs]float64
	var sumW []float64
	var sumBias [nOutputs]float64
	averaged := 0
	for epoch := range opt.Epochs {
		for i := len(order) - 1; i > 0; i-- {
			j := int(rng.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, i := range order {
			r := rows[i]
			fs := r.with
			if r.without != nil && rng.float() < opt.StarDrop {
				fs = r.without
			}
			z = bias
			for _, f := range fs {
				base := int(f.idx) * nOutputs
				v := float64(f.val)
				for k := range nOutputs {
					z[k] += float64(v * w[base+k])
				}
			}
			softmaxDet(p[:nSentiment], z[:nSentiment])
			softmaxDet(p[nSentiment:], z[nSentiment:])
			for k := range nOutputs {
				grad[k] = p[k]
			}
			grad[r.y[0]] -= 1
			grad[nSentiment+r.y[1]] -= 1
			for k := range nOutputs {
				bias2[k] += float64(grad[k] * grad[k])
				bias[k] -= float64(opt.Rate*grad[k]) / (math.Sqrt(bias2[k]) + 1e-9)
			}
			for _, f := range fs {
				base := int(f.idx) * nOutputs
				v := float64(f.val)
				for k := range nOutputs {
					j := base + k
					gk := float64(grad[k]*v) + float64(opt.L2*w[j])
					g2[j] += float64(gk * gk)
					w[j] -= float64(opt.Rate*gk) / (math.Sqrt(g2[j]) + 1e-9)
				}
			}
		}
		if opt.Average && 2*(epoch+1) > opt.Epochs {
			if sumW == nil {
				sumW = make([]float64, len(w))
			}
			for j, v := range w {
				sumW[j] += v
			}
			for k, v := range bias {
				sumBias[k] += v
			}
			averaged++
		}
	}
	if averaged > 0 {
		for j := range sumW {
			sumW[j] /= float64(averaged)
		}
		for k := range sumBias {
			sumBias[k] /= float64(averaged)
		}
		w, bias = sumW, sumBias
	}
	m := quantize(opt, w, bias)
	if opt.Joint {
		labels := make([][2]int, len(rows))
		for i, r := range rows {
			labels[i] = r.y
		}
		// math.Log may differ in the last bit between architectures; the
		// rounding to float32 absorbs that.
		m.pair = pairScores(labels)
	}
	return m, nil
}

// pairScores is the pointwise mutual information of each (sentiment,
// intent) pair in the labels, add-one smoothed: log P(s,i) / P(s)P(i).
func pairScores(labels [][2]int) (pair [nSentiment][nIntent]float32) {
	var joint [nSentiment][nIntent]float64
	var ps [nSentiment]float64
	var pi [nIntent]float64
	n := float64(len(labels)) + nSentiment*nIntent
	for _, y := range labels {
		joint[y[0]][y[1]]++
	}
	for s := range nSentiment {
		for i := range nIntent {
			joint[s][i] = (joint[s][i] + 1) / n
			ps[s] += joint[s][i]
			pi[i] += joint[s][i]
		}
	}
	for s := range nSentiment {
		for i := range nIntent {
			pair[s][i] = float32(math.Log(joint[s][i] / float64(ps[s]*pi[i])))
		}
	}
	return pair
}

// quantize keeps one signed byte per weight, scaled per output column.
func quantize(opt TrainOptions, w []float64, bias [nOutputs]float64) *Model {
	m := &Model{cfg: opt.Features, w: make([]int8, len(w))}
	var top [nOutputs]float64
	for j, v := range w {
		top[j%nOutputs] = max(top[j%nOutputs], math.Abs(v))
	}
	for k := range nOutputs {
		m.bias[k] = float32(bias[k])
		m.scale[k] = float32(top[k] / 127)
		if top[k] == 0 {
			m.scale[k] = 1
		}
	}
	for j, v := range w {
		m.w[j] = int8(math.Round(v / float64(m.scale[j%nOutputs])))
	}
	m.offset[nSentiment] = float32(opt.ComplaintOffset) // intent column 0: complaint
	return m
}

// softmaxDet is a softmax whose result does not depend on the machine.
func softmaxDet(dst, z []float64) {
	top := z[0]
	for _, v := range z[1:] {
		top = max(top, v)
	}
	sum := 0.0
	for k, v := range z {
		dst[k] = expDet(v - top)
		sum += dst[k]
	}
	for k := range dst {
		dst[k] /= sum
	}
}

// expDet is e^x for x <= 0, from a range reduction and a Taylor series
// evaluated with explicit roundings; within a few ulps of math.Exp, and
// the same on every architecture.
func expDet(x float64) float64 {
	if x < -700 {
		return 0
	}
	const ln2Hi, ln2Lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	k := math.Round(x / math.Ln2)
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo)
	// |r| <= ln2/2: 14 terms reach double precision.
	s := 1.0
	for n := 14; n >= 1; n-- {
		s = 1 + float64(float64(s*r)/float64(n))
	}
	return math.Ldexp(s, int(k))
}

// splitmix is SplitMix64: a fixed, documented sequence for a seed, unlike
// math/rand's shuffles, which may change between Go releases.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *splitmix) float() float64 { return float64(s.next()>>11) / (1 << 53) }

// Prediction is a model's verdict on one post, with the class
// probabilities behind it.
type Prediction struct {
	Sentiment, Intent string
	SentimentP        [nSentiment]float32 // negative, neutral, positive
	IntentP           [nIntent]float32    // complaint, question, praise, other
	pair              *[nSentiment][nIntent]float32
}

// Decide decides again with another complaint offset (see
// TrainOptions.ComplaintOffset), for choosing that offset.
func (p Prediction) Decide(complaintOffset float64) (sentiment, intent string) {
	var z, off [nOutputs]float32
	for k, v := range p.SentimentP {
		z[k] = float32(math.Log(float64(v) + 1e-30))
	}
	for k, v := range p.IntentP {
		z[nSentiment+k] = float32(math.Log(float64(v) + 1e-30))
	}
	off[nSentiment] = float32(complaintOffset)
	pair := p.pair
	if pair == nil {
		pair = new([nSentiment][nIntent]float32)
	}
	s, i := decide(&z, &off, pair)
	return sentimentClasses[s], intentClasses[i]
}

// Predict classifies a labelled example the way AnalyzePost would, with its
// labelled language as the platform hint; for evaluation.
func (m *Model) Predict(ex Example) Prediction {
	e := extractors.Get().(*extractor)
	defer extractors.Put(e)
	e.cfg = m.cfg
	pr, s, in := m.predict(e.features(ex.Text, DetectLanguage(ex.Text, ex.Lang), ex.Stars))
	return Prediction{Sentiment: sentimentClasses[s], Intent: intentClasses[in],
		SentimentP: pr.sentiment, IntentP: pr.intent, pair: &m.pair}
}

// SentimentClasses and IntentClasses list the labels in the order of
// Prediction's probabilities.
func SentimentClasses() []string { return sentimentClasses[:] }
func IntentClasses() []string    { return intentClasses[:] }
