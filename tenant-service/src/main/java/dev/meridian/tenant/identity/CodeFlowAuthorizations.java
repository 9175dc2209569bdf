package dev.meridian.tenant.identity;

import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.server.authorization.InMemoryOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.stereotype.Component;

/**
 * Keeps the console's authorization-code flows between the authorize and the token request, and
 * nothing after: tokens are self-contained JWTs that no endpoint of ours looks up again, and keeping
 * each would grow the heap with every login and every CI run. Forgetting the flow once its code is
 * exchanged is also what makes a replayed code fail. (A restart of tenant-service loses flows in
 * progress: the user logs in again.)
 */
@Component
class CodeFlowAuthorizations implements OAuth2AuthorizationService {

  private final InMemoryOAuth2AuthorizationService codeFlows = new InMemoryOAuth2AuthorizationService();

  @Override
  public void save(OAuth2Authorization authorization) {
    if (AuthorizationGrantType.CLIENT_CREDENTIALS.equals(authorization.getAuthorizationGrantType())) {
      return;
    }
    if (authorization.getAccessToken() != null) {
      // Remove what is stored (the flow as it was before the exchange): the in-memory service
      // removes only an equal value, and the completed one is not.
      OAuth2Authorization stored = codeFlows.findById(authorization.getId());
      if (stored != null) {
        codeFlows.remove(stored);
      }
    } else {
      codeFlows.save(authorization);
    }
  }

  @Override
  public void remove(OAuth2Authorization authorization) {
    codeFlows.remove(authorization);
  }

  @Override
  public OAuth2Authorization findById(String id) {
    return codeFlows.findById(id);
  }

  @Override
  public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
    return codeFlows.findByToken(token, tokenType);
  }
}
