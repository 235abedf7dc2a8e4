// Package reporttest checks rendered reports in tests: that a page is self-contained (it refers
// to nothing outside itself) and what verdict it carries.
package reporttest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// linkAttrs are the attributes through which an HTML or SVG element can make the browser load
// something.
var linkAttrs = map[string]bool{
	"src": true, "href": true, "xlink:href": true, "srcset": true, "action": true, "formaction": true,
	"poster": true, "data": true, "background": true, "codebase": true, "cite": true, "longdesc": true,
	"manifest": true, "ping": true, "imagesrcset": true, "lowsrc": true, "dynsrc": true,
}

// loadingElements are the elements that exist to load or run something.
var loadingElements = map[string]bool{
	"script": true, "link": true, "img": true, "iframe": true, "frame": true, "object": true, "embed": true,
	"video": true, "audio": true, "source": true, "track": true, "image": true, "use": true, "base": true,
	"form": true, "applet": true, "portal": true, "foreignobject": true,
}

var (
	cssURL    = regexp.MustCompile(`(?i)url\s*\(|@import|image-set\s*\(|@font-face`)
	schemeURL = regexp.MustCompile(`(?i)\b(https?|ftp|wss?|file):`)
	// verifyURL is the one address a report prints as text: where anyone checks its hash.
	verifyURL = regexp.MustCompile(`^https?://[^\s"<>]+/verify/[0-9a-f]{64}$`)
)

// ExternalRefs parses an HTML page and returns every reference it makes to anything: a
// link-carrying attribute (src, href, …) with a value other than a same-page fragment, an
// element that loads or runs something (script, link, img, iframe, …), a url(), @import or
// @font-face in a style sheet or style attribute, and any http(s), ftp, ws or file URL in the
// text. An empty list means the page is self-contained.
func ExternalRefs(doc []byte) ([]string, error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("parse the report: %w", err)
	}
	var refs []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			name := strings.ToLower(n.Data)
			if loadingElements[name] {
				refs = append(refs, "element <"+name+">")
			}
			if name == "meta" {
				for _, a := range n.Attr {
					if strings.EqualFold(a.Key, "http-equiv") && strings.EqualFold(a.Val, "refresh") {
						refs = append(refs, "meta refresh")
					}
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = strings.ToLower(a.Namespace) + ":" + key
				}
				val := strings.TrimSpace(a.Val)
				switch {
				case linkAttrs[key] || linkAttrs[strings.TrimPrefix(key, "xlink:")]:
					if !strings.HasPrefix(val, "#") || len(val) < 2 {
						refs = append(refs, fmt.Sprintf("<%s %s=%q>", name, a.Key, a.Val))
					}
				case key == "style" && cssURL.MatchString(val):
					refs = append(refs, fmt.Sprintf("<%s style=%q>", name, a.Val))
				case strings.HasPrefix(key, "on"):
					refs = append(refs, fmt.Sprintf("<%s %s> (script)", name, a.Key))
				}
				if schemeURL.MatchString(val) && !(key == "data-verify-url" && name == "span" && verifyURL.MatchString(val)) {
					refs = append(refs, fmt.Sprintf("<%s %s=%q> (URL)", name, a.Key, a.Val))
				}
			}
		case html.TextNode:
			if n.Parent != nil && strings.EqualFold(n.Parent.Data, "style") && cssURL.MatchString(n.Data) {
				refs = append(refs, "style sheet: "+cssURL.FindString(n.Data))
			}
			if m := schemeURL.FindString(n.Data); m != "" && !isVerifyURL(n) {
				refs = append(refs, "text: "+m)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return refs, nil
}

// Verdict returns the data-verdict and lang attributes of the page's <html> element.
func Verdict(doc []byte) (verdict, lang string, err error) {
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		return "", "", fmt.Errorf("parse the report: %w", err)
	}
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode && n.Data == "html" {
			for _, a := range n.Attr {
				switch a.Key {
				case "data-verdict":
					verdict = a.Val
				case "lang":
					lang = a.Val
				}
			}
			return verdict, lang, nil
		}
	}
	return "", "", fmt.Errorf("the report has no <html> element")
}

// isVerifyURL reports whether a text node is the report's printed verification address: the
// whole text of a <span data-verify-url> whose attribute repeats it, and a /verify/{sha256} URL.
// It is printed for people to type or scan, never loaded.
func isVerifyURL(n *html.Node) bool {
	p := n.Parent
	if p == nil || p.Type != html.ElementNode || p.Data != "span" || n.PrevSibling != nil || n.NextSibling != nil {
		return false
	}
	for _, a := range p.Attr {
		if a.Key == "data-verify-url" {
			return a.Val == n.Data && verifyURL.MatchString(n.Data)
		}
	}
	return false
}
