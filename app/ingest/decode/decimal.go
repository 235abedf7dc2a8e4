package decode

// exactPow10 holds the powers of ten that a float64 represents exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ShortDecimal reads the decimals trackers send ("21.465123", "-3", "1709305200") without the
// generality of strconv.ParseFloat, and reports false for anything else: an exponent, more than
// 15 digits, a sign other than a leading '-', no digit before or after the point, or any other
// byte. What it reads it reads exactly as strconv.ParseFloat does: the digits as an integer below
// 10^15 and a power of ten up to 10^15 are both exact in a float64, so their one quotient is the
// correctly rounded value (the same shortcut strconv takes for such numbers).
func ShortDecimal[T string | []byte](s T) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, frac := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		mant = mant*10 + uint64(s[i]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			mant = mant*10 + uint64(s[i]-'0')
			frac++
		}
		if frac == 0 {
			return 0, false
		}
	}
	if i != len(s) || digits+frac > 15 {
		return 0, false
	}
	f := float64(mant) / exactPow10[frac]
	if neg {
		f = -f
	}
	return f, true
}
