package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 900
	chartLeft   = 330 // room for the row labels
	chartRight  = 70  // room for the last value label
	chartTop    = 64
	chartRowH   = 38
	chartBarH   = 13
	chartBottom = 40
	colorRasp   = "#2b6cb0"
	colorPeer   = "#c05621"
)

// WriteOverheadSVG draws rows as a horizontal bar chart: per call, the
// guarded/unguarded time ratio of rasp and of libddwaf on a log scale, bars
// starting at 1 (no overhead). It is regenerated from measured numbers by
// the report command.
func WriteOverheadSVG(w io.Writer, title string, rows []OverheadRow) error {
	lo, hi := 1.0, 10.0
	for _, r := range rows {
		for _, v := range []float64{r.RaspRatio(), r.PeerRatio()} {
			if v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)+1e-9))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)-1e-9))
	plotW := float64(chartWidth - chartLeft - chartRight)
	x := func(v float64) float64 {
		return chartLeft + plotW*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
	}
	height := chartTop + chartRowH*len(rows) + chartBottom

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	text(&b, 12, 22, "start", "15", "bold", title)
	legend := func(xp float64, color, label string) {
		fmt.Fprintf(&b, `<rect x="%.1f" y="34" width="12" height="12" fill="%s"/>`+"\n", xp, color)
		text(&b, xp+18, 45, "start", "12", "normal", label)
	}
	legend(chartLeft, colorRasp, "rasp")
	legend(chartLeft+80, colorPeer, "libddwaf (go-libddwaf "+peerModuleVersion+")")

	axisBottom := float64(chartTop + chartRowH*len(rows))
	for t := lo; t <= hi*1.0001; t *= 10 {
		xt := x(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", xt, chartTop-6, xt, axisBottom)
		text(&b, xt, axisBottom+16, "middle", "11", "normal", fmt.Sprintf("%g×", t))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#333333"/>`+"\n", x(1), chartTop-6, x(1), axisBottom)
	text(&b, chartLeft+plotW/2, axisBottom+32, "middle", "11", "normal", "guarded time / unguarded time (log scale; 1× = no overhead)")

	for i, r := range rows {
		y := float64(chartTop + chartRowH*i)
		text(&b, chartLeft-10, y+chartRowH/2+4, "end", "12", "normal", r.Sink+": "+r.Label)
		for j, bar := range []struct {
			v     float64
			color string
		}{{r.RaspRatio(), colorRasp}, {r.PeerRatio(), colorPeer}} {
			if bar.v == 0 {
				continue
			}
			by := y + 5 + float64(j*(chartBarH+2))
			x0, x1 := x(1), x(bar.v)
			if x1 < x0 {
				x0, x1 = x1, x0
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"/>`+"\n", x0, by, math.Max(x1-x0, 1), chartBarH, bar.color)
			text(&b, math.Max(x(bar.v), x(1))+4, by+chartBarH-2, "start", "11", "normal", fmtRatio(bar.v))
		}
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func text(b *bytes.Buffer, x, y float64, anchor, size, weight, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%s" font-weight="%s">`, x, y, anchor, size, weight)
	_ = xml.EscapeText(b, []byte(s))
	b.WriteString("</text>\n")
}

// peerModuleVersion is the go-libddwaf version bench/go.mod requires.
const peerModuleVersion = "v4.10.0"
