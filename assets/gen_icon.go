//go:build ignore

// gen_icon draws assets/icon.png: a white cloud carrying a queue of messages
// on a blue rounded square. Run it with `go generate ./assets`.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size   = 256
	sample = 4 // supersampling per axis, for smooth edges
)

type rgba struct{ r, g, b, a float64 }

func over(dst, src rgba) rgba {
	a := src.a + dst.a*(1-src.a)
	if a == 0 {
		return rgba{}
	}
	mix := func(d, s float64) float64 { return (s*src.a + d*dst.a*(1-src.a)) / a }
	return rgba{mix(dst.r, src.r), mix(dst.g, src.g), mix(dst.b, src.b), a}
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

func inCircle(x, y, cx, cy, r float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }

func inCloud(x, y float64) bool {
	return inCircle(x, y, 86, 146, 42) || inCircle(x, y, 134, 122, 54) ||
		inCircle(x, y, 180, 154, 34) || inRoundRect(x, y, 44, 144, 214, 188, 22)
}

// inMessages is the queue of three messages and the arrow leading out.
func inMessages(x, y float64) bool {
	for _, x0 := range []float64{70, 102, 134} {
		if inRoundRect(x, y, x0, 150, x0+24, 168, 5) {
			return true
		}
	}
	// arrow head: a triangle pointing right
	return x >= 166 && x <= 190 && math.Abs(y-159) <= (190-x)*0.55
}

func shade(x, y float64) rgba {
	var c rgba
	if inRoundRect(x, y, 8, 8, 248, 248, 56) {
		t := (y - 8) / 240
		top, bottom := rgba{0.23, 0.52, 1.0, 1}, rgba{0.11, 0.25, 0.69, 1}
		c = rgba{top.r + (bottom.r-top.r)*t, top.g + (bottom.g-top.g)*t, top.b + (bottom.b-top.b)*t, 1}
	}
	if inCloud(x, y+6) { // soft drop shadow
		c = over(c, rgba{0.04, 0.1, 0.3, 0.35})
	}
	if inCloud(x, y) {
		c = over(c, rgba{1, 1, 1, 1})
	}
	if inMessages(x, y) {
		c = over(c, rgba{0.16, 0.39, 0.86, 1})
	}
	return c
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var sum rgba
			for sy := 0; sy < sample; sy++ {
				for sx := 0; sx < sample; sx++ {
					c := shade(float64(px)+(float64(sx)+0.5)/sample, float64(py)+(float64(sy)+0.5)/sample)
					sum.r += c.r * c.a
					sum.g += c.g * c.a
					sum.b += c.b * c.a
					sum.a += c.a
				}
			}
			n := float64(sample * sample)
			if sum.a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(sum.r / sum.a * 255)),
				G: uint8(math.Round(sum.g / sum.a * 255)),
				B: uint8(math.Round(sum.b / sum.a * 255)),
				A: uint8(math.Round(sum.a / n * 255)),
			})
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
