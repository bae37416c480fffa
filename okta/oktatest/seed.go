package oktatest

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Names and jobs for generated users: common enough to look real, varied
// enough that searches by name find few people.
var (
	seedFirstNames = []string{
		"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",
		"Mia", "Mateo", "Ava", "Levi", "Harper", "Ethan", "Evelyn", "James", "Luna", "Benjamin",
		"Aisha", "Wei", "Priya", "Kenji", "Fatima", "Diego", "Chloe", "Omar", "Yuki", "Santiago",
		"Ingrid", "Tariq", "Nadia", "Rafael", "Zoe", "Arjun", "Leila", "Marcus", "Hana", "Tomas",
	}
	seedLastNames = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Nguyen", "Patel", "Kim", "Chen", "Okafor", "Novak", "Silva", "Ivanova", "Haddad", "Kowalski",
	}
	seedDepartments = []string{"Engineering", "Sales", "Marketing", "Finance", "People", "Support", "Legal", "Operations"}
	seedTitles      = []string{"Engineer", "Manager", "Analyst", "Specialist", "Director", "Associate", "Lead", "Coordinator"}
)

// seedUsersLocked adds n ACTIVE users with realistic names and logins
// first.last@example.com (first.last2@… on a clash), deterministic for
// Options.Seed.
func (o *Org) seedUsersLocked(n int, t time.Time) {
	rng := rand.New(rand.NewPCG(uint64(o.opts.Seed), 0x73656564))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	for range n {
		first, last := pick(seedFirstNames), pick(seedLastNames)
		base := strings.ToLower(first + "." + last)
		login := base + "@example.com"
		for i := 2; o.byLogin[login] != nil; i++ {
			login = base + strconv.Itoa(i) + "@example.com"
		}
		o.addUserLocked(map[string]any{
			"login": login, "email": login, "firstName": first, "lastName": last,
			"department": pick(seedDepartments), "title": pick(seedTitles),
		}, statusActive, t)
	}
}
