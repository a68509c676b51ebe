package wire

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"sort"
)

// nameValueMap is a string map that the query protocol writes as flattened
// <X><Name>k</Name><Value>v</Value></X> elements (queue and message
// attributes) and JSON as an object.
type nameValueMap map[string]string

// keyValueMap is the same with <Key>/<Value> (tags).
type keyValueMap map[string]string

// messageAttrs are typed message attributes, written as flattened
// <MessageAttribute><Name/><Value><StringValue|BinaryValue/><DataType/></Value>.
type messageAttrs map[string]attrValue

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MarshalXML writes one flattened element per attribute.
func (m nameValueMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedKeys(m) {
		if err := e.EncodeElement(struct {
			Name  string `xml:"Name"`
			Value string `xml:"Value"`
		}{k, m[k]}, start); err != nil {
			return err
		}
	}
	return nil
}

// MarshalXML writes one flattened element per tag.
func (m keyValueMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedKeys(m) {
		if err := e.EncodeElement(struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		}{k, m[k]}, start); err != nil {
			return err
		}
	}
	return nil
}

type xmlAttrValue struct {
	StringValue string `xml:"StringValue,omitempty"`
	BinaryValue string `xml:"BinaryValue,omitempty"`
	DataType    string `xml:"DataType"`
}

// MarshalXML writes one flattened element per message attribute.
func (m messageAttrs) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	for _, k := range sortedKeys(m) {
		v := m[k]
		xv := xmlAttrValue{StringValue: v.StringValue, DataType: v.DataType}
		if v.BinaryValue != nil {
			xv.BinaryValue = base64.StdEncoding.EncodeToString(v.BinaryValue)
		}
		if err := e.EncodeElement(struct {
			Name  string       `xml:"Name"`
			Value xmlAttrValue `xml:"Value"`
		}{k, xv}, start); err != nil {
			return err
		}
	}
	return nil
}

type jsonAttrValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

// MarshalJSON writes the attributes as an object of typed values.
func (m messageAttrs) MarshalJSON() ([]byte, error) {
	out := make(map[string]jsonAttrValue, len(m))
	for k, v := range m {
		out[k] = jsonAttrValue(v)
	}
	return json.Marshal(out)
}
