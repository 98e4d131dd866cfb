package demo

// nameGroup is a set of first and last names that go together, so that a
// customer in Poland is most often called like someone from Poland.
type nameGroup struct {
	first, last []string
}

// nameGroups returns the names people in the demo are given, by origin.
func nameGroups() map[string]nameGroup {
	return map[string]nameGroup{
		"fr": {
			first: []string{"Zoé", "Léa", "Chloé", "Inès", "Manon", "Camille", "Élodie", "Hélène", "Margaux", "Anaïs",
				"Louis", "Hugo", "Théo", "Jérôme", "François", "Gaël", "Noël", "Benoît", "Jean-Luc", "Mathéo", "Loïc", "Aurélien"},
			last: []string{"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Fontaine", "Rousseau", "Mercier", "Lemaître",
				"Chevalier", "Gauthier", "Bézier", "Déchelette", "Le Goff", "D'Amboise", "Müller-Garnier", "Perrin", "Faure", "Roux"},
		},
		"en": {
			first: []string{"Olivia", "Amelia", "Grace", "Harper", "Emily", "Madison", "Ava", "Charlotte",
				"James", "Oliver", "Noah", "Ethan", "Jack", "Mason", "Lucas", "Wyatt", "Jamal", "Tyrone"},
			last: []string{"Smith", "Johnson", "Williams", "Brown", "Taylor", "Davies", "Wilson", "Evans", "Thompson",
				"Walker", "Robinson", "Clarke", "Hughes", "Washington", "Carter", "Mitchell", "Okafor", "Patel"},
		},
		"ie": {
			first: []string{"Aoife", "Siobhán", "Niamh", "Caoimhe", "Saoirse", "Róisín", "Seán", "Ciarán", "Pádraig", "Cillian", "Eoin", "Darragh"},
			last:  []string{"O'Brien", "O'Sullivan", "Murphy", "Kelly", "Ó Briain", "McCarthy", "O'Connor", "Byrne", "Ní Bhriain", "Fitzgerald"},
		},
		"de": {
			first: []string{"Jürgen", "Jörg", "Günter", "Lukas", "Maximilian", "Felix", "Anna", "Lena", "Jülide", "Käthe", "Sophie", "Ursula"},
			last:  []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Köhler", "Groß", "Bäcker", "Krüger", "Hoffmann", "Zimmermann"},
		},
		"es": {
			first: []string{"José", "María", "Lucía", "Sofía", "Martín", "Álvaro", "Iñaki", "Begoña", "Nuria", "Raúl", "Íñigo", "Ainhoa"},
			last:  []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Muñoz", "Jiménez", "Núñez", "Ibáñez"},
		},
		"pl": {
			first: []string{"Łukasz", "Paweł", "Michał", "Wojciech", "Krzysztof", "Małgorzata", "Agnieszka", "Katarzyna", "Zofia", "Bożena"},
			last:  []string{"Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska"},
		},
		"nordic": {
			first: []string{"Søren", "Mette", "Bjørn", "Åsa", "Sigrún", "Jens", "Ingrid", "Freja", "Anders", "Kåre", "Märta", "Øystein"},
			last:  []string{"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Kjærgaard", "Østergaard", "Sørensen", "Løkke", "Ångström", "Lindqvist"},
		},
		"vi": {
			first: []string{"Minh", "Thu Trang", "Quang Huy", "Lan", "Phương", "Đức", "Hải Yến", "Tuấn", "Ngọc Anh", "Thảo"},
			last:  []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Đặng", "Bùi", "Đỗ"},
		},
		"it": {
			first: []string{"Giulia", "Francesca", "Chiara", "Niccolò", "Lorenzo", "Matteo", "Andrea", "Nicolò", "Ilaria", "Gianluca"},
			last:  []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "D'Angelo", "De Luca", "Galli"},
		},
		"pt": {
			first: []string{"João", "Conceição", "Gonçalo", "Inês", "Tomás", "Beatriz", "Sebastião", "Leonor"},
			last:  []string{"Silva", "Santos", "Ferreira", "Pereira", "Gonçalves", "Simões", "Magalhães", "Conceição", "Brandão"},
		},
	}
}

// country is where customers live: its ISO 3166-1 code, cities, the
// names most of its people have, its phone format, and how many of the
// demo's customers live there.
type country struct {
	code   string
	cities []string
	names  string // a key of nameGroups
	phone  string // "fr", "us" or "gb": see phone
	weight int
}

// countries returns the countries of the demo's customers.
func countries() []country {
	return []country{
		{"FR", []string{"Paris", "Lyon", "Marseille", "Besançon", "Orléans", "Saint-Étienne", "Nîmes", "Aix-en-Provence", "Châlons-en-Champagne", "Bordeaux"}, "fr", "fr", 30},
		{"US", []string{"New York", "Chicago", "Austin", "Seattle", "San José", "Coeur d'Alene", "Boston", "Denver"}, "en", "us", 18},
		{"GB", []string{"London", "Manchester", "Edinburgh", "Bristol", "Cardiff", "King's Lynn", "Leeds"}, "en", "gb", 14},
		{"DE", []string{"München", "Köln", "Düsseldorf", "Berlin", "Würzburg", "Göttingen"}, "de", "fr", 8},
		{"ES", []string{"Málaga", "A Coruña", "Córdoba", "Madrid", "Cádiz", "Logroño"}, "es", "fr", 5},
		{"CA", []string{"Montréal", "Québec", "Toronto", "Trois-Rivières", "Vancouver"}, "fr", "us", 5},
		{"BE", []string{"Liège", "Bruxelles", "Gent", "Namur", "Mons"}, "fr", "fr", 4},
		{"IE", []string{"Dublin", "Cork", "Galway", "Dún Laoghaire"}, "ie", "gb", 4},
		{"PL", []string{"Łódź", "Kraków", "Gdańsk", "Wrocław", "Poznań"}, "pl", "gb", 3},
		{"IT", []string{"Milano", "Torino", "Forlì", "Napoli"}, "it", "fr", 3},
		{"DK", []string{"København", "Aarhus", "Odense", "Køge"}, "nordic", "gb", 2},
		{"SE", []string{"Göteborg", "Malmö", "Västerås"}, "nordic", "gb", 1},
		{"VN", []string{"Hà Nội", "Đà Nẵng", "Hồ Chí Minh", "Huế"}, "vi", "us", 2},
		{"PT", []string{"Lisboa", "Porto", "Évora"}, "pt", "fr", 1},
	}
}

// companies returns the companies some customers work for; some names have
// commas, quotes and accents, as real ones do.
func companies() []string {
	return []string{
		"Boulangerie Dupont & Fils", "Müller, Schmidt & Partner GmbH", "L'Atelier du Pain", "Acme Corp.", "Globex Ltd",
		"Initech", "Société Générale des Eaux (fictive)", "Björk Design AB", "Café \"Le Zinc\"", "Northwind Traders",
		"Contoso Ltd.", "Fabrikam, Inc.", "Łódź Logistics Sp. z o.o.", "Phở Minh Restaurants", "O'Brien Hardware",
		"Pâtisserie Élise", "Tailspin Toys", "Wingtip Toys", "Hôtel des Alpes", "Ferreira & Simões, Lda.",
		"Søndergaard ApS", "Cervecería Núñez S.L.", "Studio Ghibellina S.r.l.", "Blue Yonder Airlines", "Litware, Inc.",
		"Les Éditions du Coin", "Adventure Works", "Vandelay Industries", "Bäckerei Groß", "Kjærgaard Consulting",
	}
}

// teams are the support teams agents belong to.
func teams() []string {
	return []string{"Billing", "Technical", "Onboarding", "Enterprise", "Tier 2"}
}
