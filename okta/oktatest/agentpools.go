package oktatest

// listAgentPools is GET /api/v1/agentPools: the simulated org runs no
// on-premises agents (AD, LDAP, RADIUS), so every pool list is empty, as the
// recorded org answered for LDAP and RADIUS pools.
func (o *Org) listAgentPools(*call) *reply {
	return ok([]object{})
}
