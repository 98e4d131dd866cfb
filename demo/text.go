package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// phrases are the pieces that subjects and messages are made of.
// Placeholders in braces are filled by fill.
type phrases struct {
	subjects, products                            []string
	greetings, problems, extras, signOffs         []string
	followUps                                     []string
	agentGreetings, agentReplies, agentSignOffs   []string
	agentSolutions, agentPendings, phoneSummaries []string
}

// newPhrases returns the demo's phrases: mostly English, some French,
// German and Spanish, with quotes, commas, accents and line breaks, as in
// a real help desk.
func newPhrases() *phrases {
	return &phrases{
		subjects: []string{
			"Cannot log in to my account", "Invoice #{n} is wrong", "Refund for order {n}", "Password reset e-mail never arrives",
			"Error \"Payment declined\" when paying", "Can't log in, password reset not working", "How do I export my data to Excel?",
			"Problème de facturation", "Commande n° {n} non reçue", "Lieferung verspätet", "Rechnung {n} doppelt bezahlt",
			"¿Dónde está mi pedido {n}?", "{product} is very slow", "{product} crashes on start", "Question about {product}",
			"Add a user to our plan", "Change of billing address", "Cancel my subscription", "Upgrade to the Business plan",
			"SSO with Microsoft 365 fails", "API returns 500 on /v2/orders", "Two-factor code not accepted", "Data missing after import",
			"Wrong VAT number on invoice", "Délai de livraison ?", "Accès refusé au tableau de bord", "Feature request: dark mode",
			"Duplicate charge on my card", "Can you delete my account (GDPR)?", "Export file is empty", "Webhook not firing",
			"Emails go to spam", "Réinitialisation du mot de passe", "Mise à jour impossible, erreur 0x80070005",
			"Kündigung meines Vertrags", "Need a copy of invoice {n}", "Discount code \"SPRING24\" doesn't work",
			"Reports show yesterday's numbers", "Time zone wrong in reports (CET vs. UTC)", "Can't upload a CSV with accents (é, ü, ñ)",
		},
		products: []string{"the mobile app", "the web app", "the API", "the invoice portal", "the Android app", "the iOS app", "the dashboard", "the desktop client"},
		greetings: []string{
			"Hello,", "Hi,", "Hi there,", "Good morning,", "Dear support team,", "Bonjour,", "Hallo,", "Hola,", "Hello {agent},",
		},
		problems: []string{
			"I can't log in since this morning; the page says \"Invalid credentials\" although my password is correct.",
			"Our invoice #{n} shows 3 licences instead of 2, could you check?",
			"The export to Excel stops at 65,536 rows, which is far fewer than we have.",
			"When I click \"Save\", nothing happens.",
			"It worked fine yesterday, but today it's very slow (more than 30 seconds per page).",
			"I was charged twice for order {n}: once on the 3rd and again on the 5th.",
			"My order {n} still hasn't arrived, and the tracking page hasn't changed in a week.",
			"The password reset e-mail never arrives, not even in my spam folder.",
			"{product} closes as soon as I open it.",
			"We'd like to add two colleagues to our plan, but the \"Invite\" button is greyed out.",
			"Could you tell me how to change the billing address on our account?",
			"Our accountant needs invoices with our VAT number, FR 12 345678901, on them.",
			"The CSV import replaces \"é\" with \"Ã©\" in every name.",
			"Since the last update, {product} shows times one hour off.",
			"I'd like to cancel my subscription at the end of the month, please.",
			"Je n'arrive plus à me connecter depuis la mise à jour d'hier soir.",
			"La facture n° {n} est erronée : le montant HT ne correspond pas au devis.",
			"Pourriez-vous m'indiquer le délai de livraison pour la commande {n} ?",
			"Die Lieferung ist seit über einer Woche überfällig, bitte prüfen Sie das.",
			"Ich habe die Rechnung {n} zweimal bezahlt und bitte um Erstattung.",
			"¿Podrían devolverme el importe del pedido {n}? Llegó dañado.",
			"El código de descuento no funciona en la página de pago.",
			"We get \"Error 500: internal server error\" when calling the API with more than 100 items.",
			"The two-factor code is always rejected, even right after I receive it.",
			"The dashboard shows yesterday's numbers, not today's.",
		},
		extras: []string{
			"I attached a screenshot.", "This is quite urgent for us; we have a deadline on Friday.", "Thanks in advance for your help!",
			"Could you call me back at the number on my account?", "Merci d'avance pour votre aide.", "Vielen Dank im Voraus!",
			"My colleague {first2} has the same problem.", "I'm using Chrome on Windows 11, if that helps.",
		},
		signOffs: []string{
			"Thanks,\n{first}", "Best,\n{first} {last}", "Merci d'avance,\n{first}", "Cheers, {first}", "Regards,\n{first} {last}\n{company}",
			"Kind regards,\n{first} {last}", "Mit freundlichen Grüßen,\n{first} {last}", "Saludos,\n{first}", "{first}",
		},
		followUps: []string{
			"Thanks, that worked!", "Still not working, I'm afraid.", "I tried that, but I get the same error: \"Timeout after 30s\".",
			"Merci, c'est réglé !", "Any news on this?", "Here is the order number you asked for: {n}.", "Perfect, thank you so much.",
			"Hmm, now I see a different message: \"Access denied\".", "Danke, jetzt funktioniert es.", "Sorry, I only see your reply now. Yes, it's Chrome.",
			"It happens every time, around 9:00 and again at 14:30.", "OK, I'll wait for your engineers then.", "¡Muchas gracias!",
		},
		agentGreetings: []string{"Hi {first},", "Hello {first},", "Bonjour {first},", "Dear {first} {last},", "Hallo {first},"},
		agentReplies: []string{
			"Thanks for reaching out. I've checked your account and everything looks fine on our side.",
			"Could you send me the exact error message, and the time it happened?",
			"Could you try clearing your browser's cache (Ctrl+Shift+R) and let me know?",
			"I've escalated this to our Tier 2 team, who will get back to you within 24 hours.",
			"I can reproduce the issue; our engineers are looking into it.",
			"Sorry for the trouble, and thanks for your patience.",
			"Merci pour votre message ; je regarde cela tout de suite.",
			"Which version of {product} are you using? You'll find it under Settings > About.",
		},
		agentSolutions: []string{
			"I've reset your password; you should receive an e-mail within a few minutes.",
			"I've issued a refund of €{amount}; it will appear on your statement in 3–5 business days.",
			"Our engineers found the cause, a bug in version 4.2, and a fix is rolling out today.",
			"I've corrected invoice #{n}; the new one is attached.",
			"I've updated your billing address; the next invoice will show it.",
			"The \"Invite\" button is back: your plan had reached its user limit, which I've raised.",
			"J'ai corrigé la facture n° {n} ; vous la trouverez en pièce jointe.",
			"Ihre Erstattung über {amount} € wurde veranlasst.",
		},
		agentPendings: []string{
			"Could you send us a screenshot of the error?", "Could you confirm the e-mail address on the account?",
			"We're waiting for the carrier's answer; I'll update you as soon as I hear back.",
			"Could you tell me the order number? It starts with \"ORD-\".",
		},
		agentSignOffs: []string{"Best regards,\n{agent}\n{team} team", "Kind regards,\n{agent}", "Cordialement,\n{agent}", "Cheers,\n{agent}"},
		phoneSummaries: []string{
			"Call summary: customer reports that {product} is slow; walked them through clearing the cache.",
			"Phone call: customer asked about invoice #{n}, explained the pro-rata charge.",
			"Appel : le client ne reçoit pas l'e-mail de réinitialisation ; adresse corrigée.",
		},
	}
}

// vars are the values placeholders are filled with.
type vars struct {
	first, last, company, first2 string // the customer
	agent, team                  string // the agent
	product                      string
	n                            int // an order or invoice number
	amount                       int // a refund, in euros
}

// fill replaces the placeholders of tmpl ({first}, {n}, …) with v's values.
func fill(b *strings.Builder, tmpl string, v *vars) {
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return
		}
		b.WriteString(tmpl[:open])
		switch key := tmpl[open+1 : open+end]; key {
		case "first":
			b.WriteString(v.first)
		case "last":
			b.WriteString(v.last)
		case "first2":
			b.WriteString(v.first2)
		case "company":
			b.WriteString(v.company)
		case "agent":
			b.WriteString(v.agent)
		case "team":
			b.WriteString(v.team)
		case "product":
			b.WriteString(v.product)
		case "n":
			b.WriteString(strconv.Itoa(v.n))
		case "amount":
			b.WriteString(strconv.Itoa(v.amount))
		default:
			b.WriteString(tmpl[open : open+end+1])
		}
		tmpl = tmpl[open+end+1:]
	}
}

// pick returns a random element of list.
func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }
